// librdkafka (kcat) decides whether a broker can take compressed batches from the Produce
// versions it advertises: without v2 in the range it logs "Produce (2..2) NOT supported by
// broker" and sends gzip, snappy and lz4 batches uncompressed, silently. Apache Kafka 4.x
// still advertises Produce from v0 for that probe while refusing v0-2 requests; so does the
// embedded broker, and each codec kcat is asked for arrives compressed (the stored batch's
// attributes say so).
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { kafkaFromTests } from '../support/kafka-env.js';
import { KCAT, requireKcat } from '../support/kcat.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { storedCodec } from '../support/wire-client.js';

let embedded: EmbeddedBroker;
const clients: RawClient[] = [];
beforeAll(async () => {
  requireKcat();
  embedded = await startEmbeddedBroker({ port: 0, log: { debug() {}, info() {}, warn() {} } });
});
afterAll(async () => {
  for (const c of clients) c.socket.destroy();
  await embedded?.stop();
});

async function open(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const client = await RawClient.open(port, host);
  clients.push(client);
  return client;
}

async function produceRange(client: RawClient): Promise<[number, number]> {
  const answer = await client.request(API_KEY.ApiVersions, 3, { clientSoftwareName: 'firehose-test', clientSoftwareVersion: '1' });
  const produce = answer.apiKeys.find((k: { apiKey: number }) => k.apiKey === API_KEY.Produce);
  return [produce.minVersion, produce.maxVersion];
}

describe('compressed produce from librdkafka', () => {
  it('advertises Produce from v0, as Apache Kafka 4.x does for the probe, and refuses a v2 request', async () => {
    const ours = await produceRange(await open(embedded.port));
    expect(ours[0]).toBe(0);
    if (kafkaFromTests().flavour === 'apache') {
      const [host, port] = kafkaFromTests().bootstrap.split(',')[0]!.split(':');
      expect(ours[0]).toBe((await produceRange(await open(Number(port), host)))[0]);
    }
    // A v2 request is not served: the connection is closed (with a log line), as for any unserved version.
    const client = await open(embedded.port);
    void client.request(API_KEY.Produce, 2, { acks: 1, timeoutMs: 1000, topicData: [] }).catch(() => undefined);
    const closed = await Promise.race([client.closed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000).unref())]);
    expect(closed, 'the connection closed after a Produce v2 request').toBe(true);
  });

  it.each(['gzip', 'snappy', 'lz4'] as const)('kcat -z %s: the batch is stored compressed', async (codec) => {
    const topic = `firehose-test-z-${codec}-${randomBytes(3).toString('hex')}`;
    const values = Array.from({ length: 50 }, (_, i) => `reading ${i} ${'x'.repeat(40)}`).join('\n');
    const created = await (await open(embedded.port)).request(API_KEY.CreateTopics, 4, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    await execa(KCAT, ['-P', '-b', `127.0.0.1:${embedded.port}`, '-t', topic, '-p', '0', '-z', codec], { input: `${values}\n`, timeout: 30_000 });
    expect(await storedCodec(topic, 0, `127.0.0.1:${embedded.port}`)).toBe(codec);
  });
});
