// The commands' group member (src/kafka/group-member.ts) when its last commit fails: the
// records it handed on are not lost silently, the run fails with COMMIT_FAILED naming the
// group, and a member started afterwards reads them again (at-least-once).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { FirehoseError } from '../../src/errors.js';
import { KafkaClient } from '../../src/kafka/connect.js';
import { runGroupMember } from '../../src/kafka/group-member.js';
import { StopSignal } from '../../src/kafka/stop-signal.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { tapRequests } from '../support/request-tap.js';
import { newWireTopic, produceWire } from '../support/wire-client.js';

const OFFSET_COMMIT = 8;

/** Sockets that drop the connection instead of sending an OffsetCommit request. */
function commitRefusingSockets() {
  return (host: string, port: number): Duplex => {
    const socket = net.connect({ host, port });
    tapRequests(socket, ({ apiKey }) => (apiKey === OFFSET_COMMIT ? 'drop' : 'send'));
    return socket;
  };
}

const clients: KafkaClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(socketFactory?: (host: string, port: number) => Duplex): KafkaClient {
  const settings = resolveConnection({ bootstrap: kafkaFromTests().bootstrap, connectTimeout: '10s' }, {}, {});
  const c = new KafkaClient(settings, { bootstrap: settings.brokers, connectTimeoutMs: 10_000, socketFactory });
  clients.push(c);
  return c;
}

/** Runs a member until it has read `count` records; what it read, and how the run ended. */
async function readUntil(kafka: KafkaClient, group: string, topic: string, count: number) {
  const stop = new StopSignal(undefined);
  const values: string[] = [];
  const ended = runGroupMember(kafka, { group, topic, offsetReset: 'earliest', commit: 'timer', stop, what: `consume ${topic}` }, async (batch) => {
    for (const r of batch.records) values.push(r.value!.toString());
    if (values.length >= count) stop.stop('max-messages');
  }).then(() => undefined, (error: unknown) => error);
  return { values, error: await ended };
}

describe('a group member whose last commit fails', () => {
  it('fails with COMMIT_FAILED naming the group, and the next member reads those records again', async () => {
    const topic = await newWireTopic('member-commit-failed', 1);
    const group = uniqueName('member-commit-failed');
    const values = Array.from({ length: 10 }, (_, i) => `v${i}`);
    await produceWire(topic, values, 1);

    // Every commit of the first member fails (the interval ones are only logged), the last one too.
    const first = await readUntil(client(commitRefusingSockets()), group, topic, 10);
    expect(first.values).toEqual(values);
    expect(first.error).toBeInstanceOf(FirehoseError);
    expect((first.error as FirehoseError).code).toBe('COMMIT_FAILED');
    expect((first.error as FirehoseError).message).toMatch(new RegExp(`^Could not commit the offsets of group ${group} on ${topic} at the end: `));
    expect((first.error as FirehoseError).hint).toMatch(/the group will read it again/);

    // Nothing was committed: a new member of the group starts from the beginning again.
    const second = await readUntil(client(), group, topic, 10);
    expect(second.error).toBeUndefined();
    expect(second.values).toEqual(values);
  });
});
