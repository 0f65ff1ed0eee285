// The embedded broker's storage when the disk misbehaves: a full disk, a
// read-only one, a flipped bit, a lost topics.json. Whatever was acknowledged
// is there after a restart; whatever could not be written is refused to the
// client with the cause; nothing is dropped without a log line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { FirehoseError } from '../../src/errors.js';
import { runCli } from '../support/cli.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { decodeBatchValues, encodeBatch } from '../support/record-batch.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Running {
  broker: EmbeddedBroker;
  client: RawClient;
  warnings: string[];
  stop(): Promise<void>;
}

async function start(dataDir: string): Promise<Running> {
  const warnings: string[] = [];
  const broker = await startEmbeddedBroker({ port: 0, dataDir, autoCreateTopics: false, log: { debug: () => {}, info: () => {}, warn: (line) => void warnings.push(line) } });
  const client = await RawClient.open(broker.port);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    await broker.stop();
  };
  cleanups.push(stop);
  return { broker, client, warnings, stop };
}

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-storage-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function tmpfs(bytes: number): Tmpfs {
  const mounted = mountTmpfs(bytes);
  cleanups.push(() => mounted.unmount());
  return mounted;
}

async function createTopic(client: RawClient, name: string, partitions = 1) {
  const answer = await client.request(API_KEY.CreateTopics, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  return answer.topics[0] as { errorCode: number; errorMessage: string | null };
}

async function topicNames(client: RawClient): Promise<string[]> {
  const meta = await client.request(API_KEY.Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  return meta.topics.map((t: { name: string }) => t.name).sort();
}

async function produce(client: RawClient, topic: string, values: string[]) {
  const answer = await client.request(API_KEY.Produce, 8, {
    transactionalId: null, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeBatch({ records: values.map((value) => ({ key: null, value })) }) }] }],
  });
  return answer.responses[0].partitionResponses[0] as { errorCode: number; errorMessage: string | null; baseOffset: bigint };
}

/** Every value of partition 0 from `offset`, fetched batch by batch; a fetch error ends the list with `!<code>`. */
async function readValues(client: RawClient, topic: string, offset = 0n): Promise<string[]> {
  const values: string[] = [];
  for (;;) {
    const answer = await client.request(API_KEY.Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 24, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 24 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const partition = answer.responses[0].partitions[0];
    if (partition.errorCode !== ErrorCode.NONE) return [...values, `!${partition.errorCode}`];
    const records = partition.records as Buffer | null;
    if (!records || records.length === 0) return values;
    const batch = decodeBatchValues(records);
    for (const record of batch) if (record.offset >= offset) values.push(record.value);
    offset = batch.at(-1)!.offset + 1n;
  }
}

describe('a full disk', () => {
  it('refuses what it cannot write with ENOSPC, lists no half-made topic, and keeps everything acknowledged across a restart', { timeout: 60_000 }, async () => {
    const disk = tmpfs(4 * 1024 * 1024);
    const dataDir = path.join(disk.dir, 'data');
    let running = await start(dataDir);
    expect((await createTopic(running.client, 'before')).errorCode).toBe(ErrorCode.NONE);
    const early = Array.from({ length: 100 }, (_, i) => `early-${i}`);
    expect((await produce(running.client, 'before', early)).errorCode).toBe(ErrorCode.NONE);

    disk.fill();
    const refusedTopic = await createTopic(running.client, 'during');
    expect(refusedTopic.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(refusedTopic.errorMessage).toMatch(/no space left on device \(ENOSPC\)/);
    expect(await topicNames(running.client)).toEqual(['before']);
    const big = Array.from({ length: 50 }, (_, i) => `refused-${i}-${'x'.repeat(400)}`);
    const refusedRecords = await produce(running.client, 'before', big);
    expect(refusedRecords.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(refusedRecords.errorMessage).toMatch(/cannot write before-0: no space left on device \(ENOSPC\)/);
    expect(running.warnings.some((line) => line.includes('ENOSPC'))).toBe(true);

    disk.free();
    expect((await createTopic(running.client, 'during')).errorCode).toBe(ErrorCode.NONE);
    const late = Array.from({ length: 1000 }, (_, i) => `late-${i}`);
    expect((await produce(running.client, 'during', late)).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(running.client, 'before', ['after-space-returned'])).baseOffset).toBe(100n);
    await running.stop();

    running = await start(dataDir);
    expect(await topicNames(running.client)).toEqual(['before', 'during']);
    expect(await readValues(running.client, 'during')).toEqual(late);
    expect(await readValues(running.client, 'before')).toEqual([...early, 'after-space-returned']);
  });
});

describe('topic configs and retention on a full disk', () => {
  async function alterRetention(client: RawClient, topic: string, ms: string) {
    const answer = await client.request(API_KEY.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: 0, value: ms }] }], validateOnly: false,
    });
    return answer.responses[0] as { errorCode: number; errorMessage: string | null };
  }

  async function retentionMs(client: RawClient, topic: string): Promise<[string, number]> {
    const answer = await client.request(API_KEY.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
    const entry = answer.results[0].configs[0] as { value: string; configSource: number };
    return [entry.value, entry.configSource];
  }

  it('refuses an alter it cannot save, changing nothing; a retention check that cannot save its start loses nothing within retention', { timeout: 60_000 }, async () => {
    const disk = tmpfs(4 * 1024 * 1024);
    const dataDir = path.join(disk.dir, 'data');
    let running = await start(dataDir);
    expect((await createTopic(running.client, 'aging')).errorCode).toBe(ErrorCode.NONE);
    // encodeBatch's default timestamp is in 2023: long expired for a one-day retention.
    expect((await produce(running.client, 'aging', ['old-1', 'old-2'])).errorCode).toBe(ErrorCode.NONE);
    const fresh = await running.client.request(API_KEY.Produce, 8, {
      transactionalId: null, acks: -1, timeoutMs: 5000,
      topicData: [{ name: 'aging', partitionData: [{ index: 0, records: encodeBatch({ timestamp: BigInt(Date.now()), records: [{ key: null, value: 'fresh' }] }) }] }],
    });
    expect(fresh.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);

    disk.fill();
    const refused = await alterRetention(running.client, 'aging', '86400000');
    expect(refused.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(refused.errorMessage).toMatch(/topics\.json: no space left on device \(ENOSPC\)/);
    expect(await retentionMs(running.client, 'aging')).toEqual(['-1', 5]);

    disk.free();
    expect(await alterRetention(running.client, 'aging', '86400000')).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    disk.fill();
    running.broker.broker.topics.applyRetention(Date.now());
    expect(running.warnings).toContainEqual(expect.stringMatching(/^retention: cannot delete old records of aging-0: .*ENOSPC.*; trying again at the next check$/));
    expect(await readValues(running.client, 'aging', 2n)).toEqual(['fresh']);
    disk.free();
    await running.stop();

    // The start could not be saved: the expired records are back until the next check, and the fresh one was never at risk.
    running = await start(dataDir);
    expect(await retentionMs(running.client, 'aging')).toEqual(['86400000', 1]);
    expect(await readValues(running.client, 'aging')).toEqual(['old-1', 'old-2', 'fresh']);
    running.broker.broker.topics.applyRetention(Date.now());
    expect(await readValues(running.client, 'aging', 2n)).toEqual(['fresh']);
    await running.stop();
    running = await start(dataDir);
    expect(await readValues(running.client, 'aging', 2n)).toEqual(['fresh']);
    expect(await readValues(running.client, 'aging', 0n)).toEqual(['!1']);
  });
});

describe('a data dir the broker cannot use', () => {
  it('names a read-only file system at once (EROFS, not ENOENT)', { timeout: 30_000 }, async () => {
    const disk = tmpfs(1024 * 1024);
    disk.readOnly(true);
    const failure = await startEmbeddedBroker({ port: 0, dataDir: path.join(disk.dir, 'data') }).then(
      (broker) => broker.stop().then(() => undefined),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(FirehoseError);
    expect((failure as Error).message).toBe(`cannot use data dir ${path.join(disk.dir, 'data')}: cannot create ${path.join(disk.dir, 'data')}: read-only file system (EROFS)`);
  });
});

describe('damaged files after a clean stop', () => {
  it('a flipped bit at byte 200 of a segment costs that batch only: reported in the log and to the reader, the rest readable', { timeout: 30_000 }, async () => {
    const dataDir = tmpDir();
    let running = await start(dataDir);
    await createTopic(running.client, 'flipped');
    const values: string[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const chunk = Array.from({ length: 500 }, (_, i) => `v-${batch * 500 + i}`);
      expect((await produce(running.client, 'flipped', chunk)).errorCode).toBe(ErrorCode.NONE);
      values.push(...chunk);
    }
    await running.stop();
    const segment = path.join(dataDir, 'logs', 'flipped-0', '00000000000000000000.log');
    const bytes = fs.readFileSync(segment);
    bytes[200]! ^= 0x08;
    fs.writeFileSync(segment, bytes);

    running = await start(dataDir);
    expect(fs.statSync(segment).size).toBe(bytes.length); // nothing cut
    expect(running.warnings).toEqual([expect.stringMatching(/^flipped-0: bytes 0 to \d+ of .* fail their checks: offsets 0 to 499 cannot be read and are reported to consumers as CORRUPT_MESSAGE/)]);
    expect(await readValues(running.client, 'flipped')).toEqual([`!${ErrorCode.CORRUPT_MESSAGE}`]);
    expect(await readValues(running.client, 'flipped', 500n)).toEqual(values.slice(500));
  });

  it('a deleted topics.json is rebuilt from the partition directories, with a log line; the records are all there', { timeout: 30_000 }, async () => {
    const dataDir = tmpDir();
    let running = await start(dataDir);
    await createTopic(running.client, 'kept', 3);
    await produce(running.client, 'kept', ['a', 'b', 'c']);
    await running.stop();
    fs.rmSync(path.join(dataDir, 'topics.json'));

    running = await start(dataDir);
    expect(await topicNames(running.client)).toEqual(['kept']);
    expect(await readValues(running.client, 'kept')).toEqual(['a', 'b', 'c']);
    expect(running.warnings).toEqual([expect.stringMatching(/topics\.json was missing: rebuilt 1 topic from the partition directories under logs\/ \(kept: 3 partitions\)/)]);
  });

  it('a garbage topics.json is one error naming the file', { timeout: 30_000 }, async () => {
    const dataDir = tmpDir();
    const running = await start(dataDir);
    await createTopic(running.client, 'kept');
    await running.stop();
    fs.writeFileSync(path.join(dataDir, 'topics.json'), 'garbage\n');
    const failure = await startEmbeddedBroker({ port: 0, dataDir }).then((broker) => broker.stop(), (error: unknown) => error);
    expect(failure).toBeInstanceOf(FirehoseError);
    expect((failure as Error).message).toMatch(new RegExp(`^${path.join(dataDir, 'topics.json')} is damaged: not valid JSON`));
  });
});

describe('firehose kafka start on a data dir it cannot create', () => {
  it('exits at once with one error line naming the cause (no spinning on /proc)', { timeout: 30_000 }, async () => {
    const result = await runCli(['kafka', 'start', '--port', '0', '--data-dir', '/proc/firehose-x']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'error: cannot use data dir /proc/firehose-x: cannot create /proc/firehose-x: /proc does not accept new directories (ENOENT: a virtual file system such as /proc?)',
      expect.stringMatching(/^hint: /),
    ]);
  });
});
