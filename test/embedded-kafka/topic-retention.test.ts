// The embedded broker's own side of topic configs: altered configs and the retention they
// ask for survive a restart on the same data dir; retention.bytes, cleanup.policy and the
// broker-wide default as Kafka applies them; DescribeLogDirs naming the data dir. (The
// behaviour both brokers share is in alter-configs.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../src/embedded-kafka/server.js';
import { MEMORY_LOG_DIR } from '../../src/embedded-kafka/handlers/admin.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { uniqueName } from '../support/kafka-env.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { encodeBatch } from '../support/record-batch.js';
import { waitFor } from '../support/wait.js';

const SET = 0;
const DAY = 24 * 60 * 60 * 1000;

let dataDir: string;
const brokers: EmbeddedBroker[] = [];
const clients: RawClient[] = [];
const logLines: string[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'firehose-retention-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const b of brokers.splice(0)) await b.stop();
  rmSync(dataDir, { recursive: true, force: true });
  logLines.length = 0;
});

async function start(options: EmbeddedBrokerOptions = {}): Promise<{ broker: EmbeddedBroker; client: RawClient }> {
  const line = (l: string) => void logLines.push(l);
  const broker = await startEmbeddedBroker({ port: 0, log: { debug() {}, info: line, warn: line }, ...options });
  brokers.push(broker);
  const client = await RawClient.open(broker.port);
  clients.push(client);
  return { broker, client };
}

async function stop(broker: EmbeddedBroker): Promise<void> {
  brokers.splice(brokers.indexOf(broker), 1);
  await broker.stop();
}

function createTopic(client: RawClient, partitions: number, configs: Record<string, string> = {}): Promise<string> {
  return client.createTopic(uniqueName('retention'), partitions, configs);
}

async function produce(client: RawClient, topic: string, partition: number, values: string[], timestamp: bigint): Promise<Buffer> {
  const records = encodeBatch({ timestamp, records: values.map((value) => ({ key: null, value })) });
  const answer = await client.request(API_KEY.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  expect(answer.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
  return records;
}

async function offsets(client: RawClient, topic: string, partition: number): Promise<[bigint, bigint]> {
  const at = async (timestamp: bigint) => {
    const answer = await client.request(API_KEY.ListOffsets, 7, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    });
    return answer.topics[0].partitions[0].offset as bigint;
  };
  return [await at(-2n), await at(-1n)];
}

async function alter(client: RawClient, topic: string, configs: Record<string, string>): Promise<void> {
  const answer = await client.request(API_KEY.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 2, resourceName: topic, configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: SET, value })) }],
    validateOnly: false,
  });
  expect(answer.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
}

async function describeConfigs(client: RawClient, topic: string) {
  const answer = await client.request(API_KEY.DescribeConfigs, 4, {
    resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['cleanup.policy', 'retention.bytes', 'retention.ms'] }], includeSynonyms: false, includeDocumentation: false,
  });
  return Object.fromEntries(answer.results[0].configs.map((c: { name: string; value: string; configSource: number }) => [c.name, [c.value, c.configSource]]));
}

describe('topic configs with --data-dir', () => {
  it('altered configs survive a restart, and the retention they ask for applies after it', async () => {
    const first = await start({ dataDir });
    const topic = await createTopic(first.client, 2, { 'retention.bytes': '1000000' });
    await alter(first.client, topic, { 'retention.ms': String(DAY), 'cleanup.policy': 'delete' });
    await produce(first.client, topic, 1, ['fresh'], BigInt(Date.now()));
    await stop(first.broker);

    const second = await start({ dataDir, retentionCheckIntervalMs: 50 });
    // Set on the topic: source 1 (DYNAMIC_TOPIC_CONFIG); the rest defaults: source 5.
    expect(await describeConfigs(second.client, topic)).toEqual({
      'cleanup.policy': ['delete', 1],
      'retention.bytes': ['1000000', 1],
      'retention.ms': [String(DAY), 1],
    });
    await produce(second.client, topic, 0, ['old-1', 'old-2'], BigInt(Date.now() - 2 * DAY));
    await waitFor(async () => (await offsets(second.client, topic, 0))[0] === 2n, { timeoutMs: 10_000, what: 'the expired records to be deleted' });
    expect(await offsets(second.client, topic, 1)).toEqual([0n, 1n]);
    expect(logLines).toContainEqual(expect.stringMatching(new RegExp(`^retention: deleted offsets 0 to 1 of ${topic}-0; it now starts at 2$`)));
    await stop(second.broker);

    const third = await start({ dataDir });
    expect(await offsets(third.client, topic, 0)).toEqual([2n, 2n]);
    expect(await offsets(third.client, topic, 1)).toEqual([0n, 1n]);
  });

  it('DescribeLogDirs names <data dir>/logs and its space', async () => {
    const { client } = await start({ dataDir });
    const topic = await createTopic(client, 1);
    const batch = await produce(client, topic, 0, ['a'], BigInt(Date.now()));
    const answer = await client.request(API_KEY.DescribeLogDirs, 4, { topics: [{ topic, partitions: [0, 1] }] });
    expect(answer.errorCode).toBe(0);
    expect(answer.results).toEqual([{
      errorCode: 0,
      logDir: join(dataDir, 'logs'),
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, partitionSize: BigInt(batch.length), offsetLag: 0n, isFutureKey: false }] }],
      totalBytes: expect.any(BigInt),
      usableBytes: expect.any(BigInt),
    }]);
    expect(answer.results[0].totalBytes).toBeGreaterThan(0n);
  });
});

describe('retention as Kafka applies it', () => {
  it('retention.bytes keeps each partition under it (the newest batch always), -1 keeps everything', async () => {
    const { broker, client } = await start();
    const size = encodeBatch({ timestamp: 0n, records: [{ key: null, value: 'x' }] }).length;
    const topic = await createTopic(client, 1, { 'retention.bytes': String(2 * size) });
    for (let i = 0; i < 4; i++) await produce(client, topic, 0, ['x'], BigInt(Date.now()));
    expect(await offsets(client, topic, 0)).toEqual([2n, 4n]);

    await alter(client, topic, { 'retention.bytes': '-1' });
    for (let i = 0; i < 4; i++) await produce(client, topic, 0, ['x'], BigInt(Date.now()));
    broker.broker.topics.applyRetention(Date.now());
    expect(await offsets(client, topic, 0)).toEqual([2n, 8n]);

    await alter(client, topic, { 'retention.bytes': String(size) });
    broker.broker.topics.applyRetention(Date.now());
    expect(await offsets(client, topic, 0)).toEqual([7n, 8n]);
  });

  it('a topic without retention.bytes takes the broker\'s (--retention), one with only compact or no policy keeps everything', async () => {
    const size = encodeBatch({ timestamp: 0n, records: [{ key: null, value: 'x' }] }).length;
    const { broker, client } = await start({ retentionBytes: size });
    const plain = await createTopic(client, 1, { 'retention.ms': '1000' });
    const compact = await createTopic(client, 1, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    const none = await createTopic(client, 1, { 'retention.ms': '1000', 'cleanup.policy': '' });
    const old = BigInt(Date.now() - DAY);
    for (const topic of [plain, compact, none]) for (let i = 0; i < 3; i++) await produce(client, topic, 0, ['x'], old);
    expect(await offsets(client, plain, 0)).toEqual([2n, 3n]);
    broker.broker.topics.applyRetention(Date.now());
    expect(await offsets(client, plain, 0)).toEqual([3n, 3n]);
    expect(await offsets(client, compact, 0)).toEqual([0n, 3n]);
    expect(await offsets(client, none, 0)).toEqual([0n, 3n]);

    // Back to delete: the next check applies retention.ms.
    await alter(client, compact, { 'cleanup.policy': 'compact,delete' });
    broker.broker.topics.applyRetention(Date.now());
    expect(await offsets(client, compact, 0)).toEqual([3n, 3n]);
  });

  it('an in-memory broker answers DescribeLogDirs with a placeholder dir, every topic when asked for none', async () => {
    const { client } = await start();
    const topic = await createTopic(client, 2);
    const answer = await client.request(API_KEY.DescribeLogDirs, 4, { topics: null });
    expect(answer.results).toEqual([{
      errorCode: 0,
      logDir: MEMORY_LOG_DIR,
      topics: [{ name: topic, partitions: [0, 1].map((p) => ({ partitionIndex: p, partitionSize: 0n, offsetLag: 0n, isFutureKey: false })) }],
      // No disk: unknown, as the fields' default says.
      totalBytes: -1n,
      usableBytes: -1n,
    }]);
  });
});
