// Topic configs altered and shown, log dirs described, and retention.ms applied, on the
// suite's broker: the same expectations hold for Apache Kafka and for the embedded broker.
// Kafka's own tools are the peers: kafka-configs (ConfigCommand, which alters with
// IncrementalAlterConfigs and describes with DescribeConfigs and synonyms) and kafka-log-dirs
// (LogDirsCommand); the rest is spoken through RawClient, as Kafka's admin client sends it.
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { expectOk, firehose } from '../support/cli-kafka.js';
import { ensureConsoleTools, runKafkaTool, type ConsoleTools } from '../support/java-console.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { encodeBatch } from '../support/record-batch.js';
import { waitFor } from '../support/wait.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

const bootstrap = kafkaFromTests().bootstrap.split(',')[0]!;
let tools: ConsoleTools;
let client: RawClient;

beforeAll(async () => {
  tools = await ensureConsoleTools();
  const [host, port] = bootstrap.split(':');
  client = await RawClient.open(Number(port), host);
}, 300_000);
afterAll(() => client?.close());

function createTopic(prefix: string, partitions = 1, configs: Record<string, string> = {}): Promise<string> {
  return client.createTopic(uniqueName(prefix), partitions, configs);
}

/** Produces one batch (acks=all), retrying while a new topic's leader gets ready on Apache Kafka; returns its bytes. */
async function produce(topic: string, partition: number, values: string[], timestamp: bigint): Promise<Buffer> {
  const records = encodeBatch({ timestamp, records: values.map((value) => ({ key: null, value })) });
  await waitFor(async () => {
    const answer = await client.request(API_KEY.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
    return answer.responses[0].partitionResponses[0].errorCode === ErrorCode.NONE;
  }, { timeoutMs: 10_000, what: `${topic}-${partition} to take a batch` });
  return records;
}

async function offsets(topic: string, partition: number): Promise<{ earliest: bigint; latest: bigint }> {
  const at = async (timestamp: bigint) => {
    const answer = await client.request(API_KEY.ListOffsets, 7, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    });
    return answer.topics[0].partitions[0].offset as bigint;
  };
  return { earliest: await at(-2n), latest: await at(-1n) };
}

async function incrementalAlter(resourceType: number, resourceName: string, configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) {
  const answer = await client.request(API_KEY.IncrementalAlterConfigs, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly });
  const r = answer.responses[0];
  return { errorCode: r.errorCode as number, errorMessage: r.errorMessage as string | null };
}

/** The configs set on the topic itself (source DYNAMIC_TOPIC_CONFIG), as DescribeConfigs v4 gives them. */
async function topicConfigs(topic: string): Promise<Record<string, string>> {
  const answer = await client.request(API_KEY.DescribeConfigs, 4, {
    resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false,
  });
  const out: Record<string, string> = {};
  for (const c of answer.results[0].configs) if (c.configSource === 1) out[c.name] = c.value;
  return out;
}

/**
 * Expects the topic's own configs to become `expected`. Apache Kafka answers DescribeConfigs from
 * the broker's metadata image, which follows the controller's change a moment later.
 */
async function expectTopicConfigs(topic: string, expected: Record<string, string>): Promise<void> {
  let last: Record<string, string> = {};
  await waitFor(async () => isDeepStrictEqual((last = await topicConfigs(topic)), expected), { timeoutMs: 10_000, what: `the configs of ${topic}` }).catch(() => undefined);
  expect(last).toEqual(expected);
}

function kafkaConfigs(args: string[]) {
  return runKafkaTool(tools, 'kafka.admin.ConfigCommand', ['--bootstrap-server', bootstrap, ...args]);
}

describe('topic configs altered with kafka-configs', () => {
  it('--alter --add-config sets them, --describe shows them as the topic\'s own, --delete-config removes them', { timeout: 120_000 }, async () => {
    const topic = await createTopic('alter');
    const added = await kafkaConfigs(['--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'retention.ms=86400000,cleanup.policy=[delete,compact],retention.bytes=1048576']);
    expect(added.exitCode, added.stderr).toBe(0);
    expect(added.stdout.trim()).toBe(`Completed updating config for topic ${topic}.`);

    const described = await kafkaConfigs(['--describe', '--entity-type', 'topics', '--entity-name', topic]);
    expect(described.exitCode, described.stderr).toBe(0);
    const lines = described.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Dynamic configs for topic ${topic} are:`);
    // The synonyms after the topic's own value name the broker's defaults, which differ between brokers.
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^ {2}cleanup\.policy=delete,compact sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=delete,compact, DEFAULT_CONFIG:log\.cleanup\.policy=delete\}$/),
      expect.stringMatching(/^ {2}retention\.bytes=1048576 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.bytes=1048576, .*log\.retention\.bytes=.*\}$/),
      expect.stringMatching(/^ {2}retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=86400000, .*log\.retention\.ms=-1.*\}$/),
    ]);

    const deleted = await kafkaConfigs(['--alter', '--entity-type', 'topics', '--entity-name', topic, '--delete-config', 'retention.ms,retention.bytes']);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    await expectTopicConfigs(topic, { 'cleanup.policy': 'delete,compact' });

    // firehose's own `topics describe` reads them with DescribeConfigs too.
    const ours = expectOk(await firehose(['topics', 'describe', topic, '--output', 'json']));
    expect(JSON.parse(ours.stdout).configs).toEqual({ 'cleanup.policy': 'delete,compact' });
  });

  it('refuses a bad value, an unknown name and an unknown topic with Kafka\'s words, and changes nothing', { timeout: 120_000 }, async () => {
    const topic = await createTopic('alter-bad', 1, { 'retention.ms': '60000' });
    const bad = await kafkaConfigs(['--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'retention.ms=abc']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('Invalid value abc for configuration retention.ms: Not a number of type LONG');
    const unknown = await kafkaConfigs(['--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'retention.msec=1']);
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr).toContain('Unknown topic config name: retention.msec');
    await expectTopicConfigs(topic, { 'retention.ms': '60000' });

    const missing = await incrementalAlter(RESOURCE_TOPIC, `${topic}-missing`, [{ name: 'retention.ms', configOperation: SET, value: '1' }]);
    expect(missing).toEqual({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${topic}-missing' does not exist.` });
  });

  it('refuses a broker config it cannot change at run time, with a clear error', { timeout: 120_000 }, async () => {
    const result = await kafkaConfigs(['--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'num.partitions=3']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Cannot update these configs dynamically: Set(num.partitions)');
    expect(await incrementalAlter(RESOURCE_BROKER, 'x', [{ name: 'num.partitions', configOperation: SET, value: '3' }], true))
      .toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Node id must be an integer, but it is: x' });
  });
});

describe('IncrementalAlterConfigs and AlterConfigs', () => {
  it('APPENDs to and SUBTRACTs from a list, refuses both on a non-list, and validateOnly changes nothing', async () => {
    const topic = await createTopic('incremental');
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }], true)).toEqual({ errorCode: 0, errorMessage: null });
    await expectTopicConfigs(topic, {});
    // APPEND starts from the default (delete).
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }])).toEqual({ errorCode: 0, errorMessage: null });
    await expectTopicConfigs(topic, { 'cleanup.policy': 'delete,compact' });
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }])).toEqual({ errorCode: 0, errorMessage: null });
    await expectTopicConfigs(topic, { 'cleanup.policy': 'compact' });
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'retention.ms', configOperation: APPEND, value: '1' }]))
      .toEqual({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: "Can't APPEND to key retention.ms because its type is not LIST." });
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'cleanup.policy', configOperation: APPEND, value: 'forever' }]))
      .toEqual({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete' });
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'retention.ms', configOperation: SET, value: null }]))
      .toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Null value not supported for : retention.ms' });
    expect(await incrementalAlter(RESOURCE_TOPIC, topic, [{ name: 'retention.ms', configOperation: SET, value: '5' }, { name: 'retention.ms', configOperation: DELETE, value: null }]))
      .toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' });
    await expectTopicConfigs(topic, { 'cleanup.policy': 'compact' });
  });

  it('AlterConfigs replaces the whole set of a topic\'s configs', async () => {
    const topic = await createTopic('legacy-alter', 1, { 'retention.ms': '60000', 'cleanup.policy': 'compact' });
    const answer = await client.request(API_KEY.AlterConfigs, 2, {
      resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configs: [{ name: 'retention.bytes', value: '12345' }] }], validateOnly: false,
    });
    expect(answer.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null, resourceType: RESOURCE_TOPIC, resourceName: topic });
    await expectTopicConfigs(topic, { 'retention.bytes': '12345' });
  });
});

describe('log dirs', () => {
  it('kafka-log-dirs --describe lists each partition with its size', { timeout: 120_000 }, async () => {
    const topic = await createTopic('log-dirs', 2);
    const batch = await produce(topic, 1, ['a', 'bb', 'ccc'], BigInt(Date.now()));
    const result = await runKafkaTool(tools, 'org.apache.kafka.tools.LogDirsCommand', ['--bootstrap-server', bootstrap, '--describe', '--topic-list', topic]);
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout.split('\n').find((line) => line.startsWith('{'))!) as {
      brokers: Array<{ logDirs: Array<{ error: string | null; logDir: string; partitions: Array<{ partition: string; size: number; offsetLag: number; isFuture: boolean }> }> }>;
    };
    expect(json.brokers).toHaveLength(1);
    const [dir] = json.brokers[0]!.logDirs;
    expect(dir!.error).toBeNull();
    expect(dir!.logDir).not.toBe('');
    // Both brokers store the batch as the producer sent it.
    expect([...dir!.partitions].sort((a, b) => a.partition.localeCompare(b.partition))).toEqual([
      { partition: `${topic}-0`, size: 0, offsetLag: 0, isFuture: false },
      { partition: `${topic}-1`, size: batch.length, offsetLag: 0, isFuture: false },
    ]);
  });
});

describe('retention.ms', () => {
  it('deletes records older than it once set, and keeps the ones within it', { timeout: 120_000 }, async () => {
    const topic = await createTopic('retention', 2);
    const day = 24 * 60 * 60 * 1000;
    await produce(topic, 0, ['old-1', 'old-2', 'old-3'], BigInt(Date.now() - 2 * day));
    await produce(topic, 1, ['fresh-1', 'fresh-2'], BigInt(Date.now()));
    expect(await offsets(topic, 0)).toEqual({ earliest: 0n, latest: 3n });

    const altered = await kafkaConfigs(['--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', `retention.ms=${day}`]);
    expect(altered.exitCode, altered.stderr).toBe(0);
    // Both brokers check every second (test/support/kafka.ts, global-setup.ts).
    await waitFor(async () => (await offsets(topic, 0)).earliest === 3n, { timeoutMs: 30_000, what: `the log start of ${topic}-0 to pass the expired records` });
    expect(await offsets(topic, 0)).toEqual({ earliest: 3n, latest: 3n });
    // The same check passed partition 1, whose records are within retention.
    expect(await offsets(topic, 1)).toEqual({ earliest: 0n, latest: 2n });
  });
});
