// spam when an answer is lost: the connection drops after the broker stored a produce request
// but before its answer arrived (what a broker restart does to the request in flight). The
// producer (src/kafka/wire/producer.ts) sends the batch again under the same sequence; every
// record must be stored exactly once, in the test broker of the run (Apache Kafka, or the
// embedded one with `npm run test:embedded`). And when the broker stays away, spam gives up
// within its delivery timeout and says how many records were acknowledged.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { FirehoseError } from '../../src/errors.js';
import { KafkaClient } from '../../src/kafka/connect.js';
import { spamTopic, spamValue } from '../../src/kafka/spam.js';
import { readBack, sorted } from '../support/cli-kafka.js';
import { tapRequests } from '../support/request-tap.js';
import { createTestTopic, testKafkaClient } from '../support/kafka-client.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

const PRODUCE = 0;

/** The `request`-th produce request on the `connection`-th connection that carries produce requests (both 1-based). */
type RequestAt = { connection: number; request: number };

/**
 * Sockets that misbehave on cue: the answers to the produce requests in `loseAnswerTo` never
 * arrive, the broker seems to hang up when it would (and so the answers to the requests
 * pipelined behind them are lost too); after `downAfter` produce requests (over all
 * sockets) every new connection is refused. The answer to lose is known by its correlation id.
 */
function faultySockets(options: { loseAnswerTo: RequestAt[]; downAfter?: number; closedPort?: number }) {
  let produces = 0;
  let producingConnections = 0;
  const lost: RequestAt[] = [];
  const factory = (host: string, port: number): Duplex => {
    const down = options.downAfter !== undefined && produces >= options.downAfter;
    const socket = net.connect({ host, port: down ? options.closedPort! : port });
    let connection = 0;
    let requests = 0;
    /** correlation id → produce request number, for the answers to lose. */
    const toLose = new Map<number, RequestAt>();
    tapRequests(socket, ({ apiKey, correlationId }) => {
      if (apiKey !== PRODUCE) return 'send';
      produces++;
      if (connection === 0) connection = ++producingConnections;
      const at: RequestAt = { connection, request: ++requests };
      if (options.loseAnswerTo.some((l) => l.connection === at.connection && l.request === at.request)) toLose.set(correlationId, at);
      return 'send';
    });
    // Answers as frames: size (int32), then the correlation id (int32).
    let pending = Buffer.alloc(0);
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data') {
        const chunk = args[0] as Buffer;
        pending = Buffer.concat([pending, chunk]);
        let at = 0;
        while (pending.length - at >= 8) {
          const number = toLose.get(pending.readInt32BE(at + 4));
          if (number !== undefined) {
            lost.push(number);
            // The answers before the lost one in this chunk still arrive (they are in order).
            const before = at - (pending.length - chunk.length);
            if (before > 0) emit('data', chunk.subarray(0, before));
            socket.destroy();
            return emit('end');
          }
          const size = pending.readInt32BE(at);
          if (pending.length - at < 4 + size) break;
          at += 4 + size;
        }
        pending = pending.subarray(at);
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    return socket;
  };
  return { factory, lost, produces: () => produces };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A firehose client on the test broker whose sockets come from `socketFactory`. */
async function clientWith(socketFactory: (host: string, port: number) => Duplex): Promise<KafkaClient> {
  const settings = resolveConnection({ bootstrap: kafkaFromTests().bootstrap, connectTimeout: '10s' }, {}, {});
  return new KafkaClient(settings, { bootstrap: settings.brokers, connectTimeoutMs: 10_000, socketFactory });
}

const clients: KafkaClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function topicWith(partitions: number): Promise<string> {
  const admin = await testKafkaClient();
  clients.push(admin);
  const topic = uniqueName('spam-lost-answer');
  await createTestTopic(admin, topic, partitions);
  return topic;
}

const values = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => spamValue(from + i));

describe('spam when the answer to a produce request is lost', () => {
  for (const partitions of [1, 3]) {
    it(`stores every record exactly once (${partitions} partition${partitions === 1 ? '' : 's'}, acks=all)`, async () => {
      const topic = await topicWith(partitions);
      // The second request's answer is lost, and so is the answer to the first request on the
      // new connection (a retry of a batch already stored).
      const loseAnswerTo = [{ connection: 1, request: 2 }, { connection: 2, request: 1 }];
      const sockets = faultySockets({ loseAnswerTo });
      const client = await clientWith(sockets.factory);
      clients.push(client);

      // Paced (1,000 records every 50 ms) so that there are several produce requests to lose.
      const result = await spamTopic(client, { topic, times: 6000, acks: -1, rate: 20_000 });
      expect(result).toMatchObject({ sent: 6000, interrupted: false, idempotent: true });
      expect(sockets.lost).toEqual(loseAnswerTo);
      // Two on the first connection, at least one on each of the others.
      expect(sockets.produces()).toBeGreaterThanOrEqual(4);

      const records = await readBack(topic, 6000);
      expect(records).toHaveLength(6000);
      expect(sorted(records.map((r) => r.value!))).toEqual(sorted(values(0, 6000)));
      // Record i is on partition i mod partitions.
      for (const r of records) expect(r.partition).toBe(Number(/Message: (\d+)/.exec(r.value!)![1]) % partitions);
    });
  }

  it('gives up within --delivery-timeout when the broker stays away, saying how many records were acknowledged', async () => {
    const topic = await topicWith(3);
    // The third request's answer is lost and the broker is gone from then on.
    const sockets = faultySockets({ loseAnswerTo: [{ connection: 1, request: 3 }], downAfter: 3, closedPort: await closedPort() });
    const client = await clientWith(sockets.factory);
    clients.push(client);

    const started = performance.now();
    const error = await spamTopic(client, { topic, times: 10_000, acks: -1, rate: 5_000, deliveryTimeoutMs: 2_000 }).then(() => undefined, (e: unknown) => e);
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(FirehoseError);
    const match = /^spam stopped after ([\d,]+) of 10,000 records were acknowledged: Cannot reach Kafka at \S+: no acknowledgement within 2 s \(last error: .*connection refused/.exec((error as FirehoseError).message);
    expect(match, (error as FirehoseError).message).not.toBeNull();
    expect((error as FirehoseError).code).toBe('KAFKA_UNREACHABLE');
    expect((error as FirehoseError).hint).toContain('--delivery-timeout');
    // 10,000 records at 5,000 a second would take 2 s; the broker goes after the third request.
    expect(elapsedMs).toBeLessThan(6_000);

    // What was acknowledged is there once, and so is the third request's batch (only its
    // answer was lost): on each partition the records stored are a prefix of the ones spam sent
    // there (record i goes to partition i mod 3), and there are more of them than acknowledged.
    const acknowledged = Number(match![1]!.replaceAll(',', ''));
    expect(acknowledged).toBeGreaterThan(0);
    const admin = await testKafkaClient();
    clients.push(admin);
    const total = (await (await admin.admin()).offsets(topic)).reduce((sum, p) => sum + p.latest, 0);
    const stored = await readBack(topic, total);
    expect(stored.length).toBeGreaterThan(acknowledged);
    for (const partition of [0, 1, 2]) {
      const onPartition = stored.filter((r) => r.partition === partition).map((r) => r.value!);
      const sent = values(0, 10_000).filter((_, i) => i % 3 === partition);
      expect(onPartition, `partition ${partition}`).toEqual(sent.slice(0, onPartition.length));
    }
  });
});
