// spam when an answer is lost: the connection drops after the broker stored a produce request
// but before its answer arrived (what a broker restart does to the request in flight). kafkajs
// sends the request again; every record must be stored exactly once, in the test broker of the
// run (Apache Kafka, or the embedded one with `npm run test:embedded`). And when the broker stays
// away, spam gives up within its delivery timeout and says how many records were acknowledged.
import type { ISocketFactory, Kafka } from 'kafkajs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { FirehoseError } from '../../src/errors.js';
import { KafkaClient } from '../../src/kafka/connect.js';
import { loadKafkaJs } from '../../src/kafka/kafkajs.js';
import { spamTopic, spamValue } from '../../src/kafka/spam.js';
import { readBack, sorted } from '../support/cli-kafka.js';
import { createTestTopic, testKafkaClient } from '../support/kafka-client.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';

const PRODUCE = 0;

/**
 * kafkajs sockets that misbehave on cue: the answer to the produce requests numbered in
 * `loseAnswerTo` (1-based, counted over all sockets) never arrives, the broker seems to hang
 * up instead; after `downAfter` produce requests every new connection is refused.
 */
function faultySockets(options: { loseAnswerTo: number[]; downAfter?: number; closedPort?: number }) {
  let produces = 0;
  const lost: number[] = [];
  const factory: ISocketFactory = ({ host, port, onConnect }) => {
    const down = options.downAfter !== undefined && produces >= options.downAfter;
    const socket = net.connect({ host, port: down ? options.closedPort! : port }, onConnect);
    let loseNextAnswer = false;
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      // kafkajs writes each request whole: size (int32), then api key (int16).
      if (Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === PRODUCE) {
        produces++;
        if (options.loseAnswerTo.includes(produces)) loseNextAnswer = true;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data' && loseNextAnswer) {
        loseNextAnswer = false;
        lost.push(produces);
        socket.destroy();
        return emit('end');
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

/** A firehose client on the test broker whose kafkajs sockets come from `socketFactory`. */
async function clientWith(socketFactory: ISocketFactory): Promise<KafkaClient> {
  const { Kafka, logLevel } = await loadKafkaJs();
  const settings = resolveConnection({ bootstrap: kafkaFromTests().bootstrap, connectTimeout: '10s' }, {}, {});
  // As createKafkaClient does: kafkajs's warnings and errors become the client's lastLoggedError.
  const logCreator = () => ({ log }: { log: { message: string } }) => { client.lastLoggedError = log.message; };
  const base = { clientId: 'firehose-test', brokers: settings.brokers, socketFactory, logLevel: logLevel.WARN, logCreator, retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3_000 } };
  const client: KafkaClient = new KafkaClient(new Kafka(base), settings, (retry) => new Kafka({ ...base, retry }) as Kafka);
  return client;
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
  // 1000 records to 3 partitions: kafkajs's own round-robin would split the retry 333/334
  // differently from the first attempt, and the broker refuses it as out of order.
  for (const partitions of [1, 3]) {
    it(`stores every record exactly once (${partitions} partition${partitions === 1 ? '' : 's'}, acks=all)`, async () => {
      const topic = await topicWith(partitions);
      const sockets = faultySockets({ loseAnswerTo: [2, 5] });
      const client = await clientWith(sockets.factory);
      clients.push(client);

      const result = await spamTopic(client, { topic, times: 6000, acks: -1, batchSize: 1000 });
      expect(result).toMatchObject({ sent: 6000, interrupted: false, idempotent: true });
      expect(sockets.lost).toEqual([2, 5]);
      // Six batches and at least the two retries; kafkajs may retry once more when its timers fire late.
      expect(sockets.produces()).toBeGreaterThanOrEqual(8);

      const records = await readBack(topic, 6000);
      expect(records).toHaveLength(6000);
      expect(sorted(records.map((r) => r.value!))).toEqual(sorted(values(0, 6000)));
      // Record i is on partition i mod partitions.
      for (const r of records) expect(r.partition).toBe(Number(/Message: (\d+)/.exec(r.value!)![1]) % partitions);
    });
  }

  it('gives up within --delivery-timeout when the broker stays away, saying how many records were acknowledged', async () => {
    const topic = await topicWith(3);
    // The third request's answer is lost and the broker is gone from then on: 2,000 acknowledged.
    const sockets = faultySockets({ loseAnswerTo: [3], downAfter: 3, closedPort: await closedPort() });
    const client = await clientWith(sockets.factory);
    clients.push(client);

    const started = performance.now();
    const error = await spamTopic(client, { topic, times: 10_000, acks: -1, batchSize: 1000, deliveryTimeoutMs: 2_000 }).then(() => undefined, (e: unknown) => e);
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(FirehoseError);
    expect((error as FirehoseError).message).toMatch(/^spam stopped after 2,000 of 10,000 records were acknowledged: Cannot reach Kafka at \S+: no acknowledgement within 2 s \(last error: .*ECONNREFUSED/);
    expect((error as FirehoseError).code).toBe('KAFKA_UNREACHABLE');
    expect((error as FirehoseError).hint).toContain('--delivery-timeout');
    expect(elapsedMs).toBeLessThan(6_000);

    // What was acknowledged is there; the unacknowledged third batch was stored too (only its answer was lost).
    const records = await readBack(topic, 3000);
    expect(sorted(records.map((r) => r.value!))).toEqual(sorted(values(0, 3000)));
  });
});
