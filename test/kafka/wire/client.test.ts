// The wire client against the real brokers: what its producer writes kcat reads exactly
// once (keyed records on the partitions librdkafka's murmur2_random picks), and its
// fetcher reads what kcat wrote, plain and with every codec (stored compressed, as the batch
// attributes show; zstd where the running Node has it), and what Java's and Python's
// producers wrote with each codec; kcat and Java read what its producer compressed.
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Cluster } from '../../../src/kafka/wire/cluster.js';
import { API_KEY } from '../../../src/protocol/api-keys.js';
import { Fetcher, type FetchedRecords } from '../../../src/kafka/wire/fetcher.js';
import { UnsupportedCodecError, type CompressionCodec } from '../../../src/protocol/records.js';
import { Producer, type ProducerOptions } from '../../../src/kafka/wire/producer.js';
import { ensureConsoleTools, runKafkaTool } from '../../support/java-console.js';
import { ensurePythonVenv, runPython } from '../../support/python.js';
import { kafkaFromTests } from '../../support/kafka-env.js';
import { KCAT, kcatRead, requireKcat } from '../../support/kcat.js';
import { tapRequests } from '../../support/request-tap.js';
import { hasZstd, newWireTopic, storedCodec, storedCodecs, testCluster } from '../../support/wire-client.js';

const sorted = (values: string[]) => [...values].sort();

const kafka = kafkaFromTests();
const N = 3_000;
let clusters: Cluster[] = [];

function cluster(): Cluster {
  const c = testCluster();
  clusters.push(c);
  return c;
}

beforeAll(requireKcat);
afterEach(async () => {
  await Promise.all(clusters.map((c) => c.close()));
  clusters = [];
});

/**
 * Runs `send` on a new producer with a deadline well inside the test's timeout, so a producer
 * that stalls fails with what it had done (records acknowledged, the retries it made and why,
 * what each partition had under way) instead of a bare timeout.
 */
async function produceWithReport(options: ProducerOptions, expected: number, send: (producer: Producer, cluster: Cluster) => Promise<void>, c = cluster()): Promise<Producer> {
  const retries: string[] = [];
  const started = performance.now();
  const producer = new Producer(c, { ...options, onRetry: (r) => retries.push(`+${Math.round(performance.now() - started)}ms ${r.topic.replace(/^firehose-test-/, '')}[${r.partition}] attempt ${r.attempt}: ${r.error.message}`) });
  const report = (what: string) =>
    `${what}: ${producer.delivered} of ${expected} records acknowledged; ` +
    `${retries.length} retries${retries.length ? ` (first: ${retries.slice(0, 5).join('; ')}${retries.length > 5 ? `; last: ${retries.slice(-3).join('; ')}` : ''})` : ''}; ` +
    `last error: ${producer.lastError?.message ?? 'none'}; ${producer.describeState()}`;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(report('the producer stalled within 40 s'))), 40_000);
  });
  try {
    await Promise.race([stalled, (async () => {
      await producer.connect();
      await send(producer, c);
      await producer.flush();
    })()]);
  } catch (error) {
    if (error instanceof Error && !error.message.startsWith('the producer stalled')) throw new Error(report(`the producer failed (${error.message})`), { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return producer;
}

function produceAll(topic: string, acks: 1 | -1, keyed: boolean): Promise<Producer> {
  return produceWithReport({ acks, batchBytes: 16 * 1024, deliveryTimeoutMs: 30_000 }, N, async (producer) => {
    for (let i = 0; i < N; i++) {
      const wait = producer.send(topic, { key: keyed ? Buffer.from(`key-${i % 97}`) : null, value: Buffer.from(`value ${i}`) });
      if (wait) await wait;
    }
  });
}

/** Every record until `count` have come, from the earliest offsets. */
async function fetchAll(topic: string, partitions: number, count: number): Promise<FetchedRecords['records']> {
  const fetcher = new Fetcher(cluster(), { maxWaitMs: 100 });
  const all = Array.from({ length: partitions }, (_, p) => p);
  const positions = await fetcher.listOffsets(topic, all, 'earliest');
  const out: FetchedRecords['records'] = [];
  // A deadline, so records that never come fail the test with a count instead of hanging it.
  const abort = AbortSignal.timeout(30_000);
  for await (const batch of fetcher.fetch(topic, positions, abort)) {
    out.push(...batch.records);
    if (out.length >= count) break;
  }
  if (out.length < count) throw new Error(`fetched ${out.length} of ${count} records of ${topic} within 30 s`);
  return out;
}

describe('the wire producer, read back with kcat', () => {
  for (const acks of [1, -1] as const) {
    it(`acks=${acks === 1 ? '1' : 'all (idempotent)'}, keyless: every value once`, async () => {
      const topic = await newWireTopic('wire-keyless', 3);
      const producer = await produceAll(topic, acks, false);
      expect(producer.delivered).toBe(N);
      const records = await kcatRead(topic);
      expect(records).toHaveLength(N);
      expect(sorted(records.map((r) => r.value.toString()))).toEqual(sorted(Array.from({ length: N }, (_, i) => `value ${i}`)));
      expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
    });
  }

  it('acks=all, keyed: the partitions librdkafka murmur2_random gives the same keys', async () => {
    const [ours, theirs] = [await newWireTopic('wire-keyed', 5), await newWireTopic('wire-keyed-kcat', 5)];
    await produceAll(ours, -1, true);
    const keys = Array.from({ length: 97 }, (_, i) => `key-${i}`);
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', theirs, '-K:', '-X', 'partitioner=murmur2_random'], { input: keys.map((k) => `${k}:x\n`).join('') });
    const partitionOf = new Map((await kcatRead(theirs)).map((r) => [r.key!.toString(), r.partition]));
    const records = await kcatRead(ours);
    expect(records).toHaveLength(N);
    for (const r of records) expect(r.partition, r.key!.toString()).toBe(partitionOf.get(r.key!.toString()));
    expect(sorted(records.map((r) => r.value.toString()))).toEqual(sorted(Array.from({ length: N }, (_, i) => `value ${i}`)));
  });
});

describe('the wire producer, read back with its fetcher', () => {
  it('acks=0 with a small buffer: send() pushes back, and every record arrives once', async () => {
    const topic = await newWireTopic('wire-acks0', 2);
    const producer = new Producer(cluster(), { acks: 0, bufferBytes: 32 * 1024, batchBytes: 8 * 1024 });
    await producer.connect();
    let waits = 0;
    for (let i = 0; i < N; i++) {
      const wait = producer.send(topic, { key: null, value: `zero ${i}`, headers: [{ key: 'n', value: Buffer.from(String(i)) }] });
      if (wait) {
        waits++;
        await wait;
      }
    }
    await producer.flush();
    expect(waits).toBeGreaterThan(0);
    const records = await fetchAll(topic, 2, N);
    expect(sorted(records.map((r) => `${r.value} ${r.headers[0]!.value}`))).toEqual(sorted(Array.from({ length: N }, (_, i) => `zero ${i} ${i}`)));
  });
});

describe('sending before the topic\'s metadata is known', () => {
  it('keeps send order: records sent while the metadata loads and records sent once it came are stored in the order sent', async () => {
    const topic = await newWireTopic('load-order', 1);
    const producer = new Producer(cluster(), { acks: -1, lingerMs: 0 });
    await producer.connect();
    const sent: string[] = [];
    const waits: Array<Promise<void>> = [];
    // A burst before the metadata, then one record per turn of the event loop while the loads answer.
    for (let i = 0; i < 50; i++) {
      sent.push(`r${i}`);
      const wait = producer.send(topic, { key: null, value: Buffer.from(`r${i}`) });
      if (wait) waits.push(wait);
    }
    for (let i = 50; i < 150; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      sent.push(`r${i}`);
      const wait = producer.send(topic, { key: null, value: Buffer.from(`r${i}`) });
      if (wait) waits.push(wait);
    }
    await Promise.all(waits);
    await producer.flush();
    const read = await fetchAll(topic, 1, sent.length);
    expect(read.map((r) => r.value!.toString())).toEqual(sent);
  });
});

describe('retries', () => {
  it('idempotent: connections dropped mid-stream lose nothing, store nothing twice and keep order', async () => {
    const topic = await newWireTopic('wire-retry', 1);
    await produceWithReport({ acks: -1, batchBytes: 2 * 1024, retryBackoffMs: 20, deliveryTimeoutMs: 30_000 }, N, async (producer, c) => {
      for (let i = 0; i < N; i++) {
        if (i % 1000 === 500) (await c.connection(c.leaderOf(topic, 0))).close();
        const wait = producer.send(topic, { key: null, value: `ordered ${i}` });
        if (wait) await wait;
      }
    });
    const records = await fetchAll(topic, 1, N);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: N }, (_, i) => `ordered ${i}`));
  });

  it("idempotent: a partition's first batch goes alone, so no later batch can become the broker's first sequence", async () => {
    // A new producer's first batch on a partition may take any sequence (Kafka's
    // ProducerStateManager, and the embedded broker's). Had a second batch gone while the first
    // was under way (say, refused NOT_LEADER_OR_FOLLOWER by a partition just created) and been
    // stored first, the first could never be stored: OUT_OF_ORDER_SEQUENCE_NUMBER on every retry.
    // The first Produce is held back here until another one is written (or 500 ms passed).
    const topic = await newWireTopic('wire-first-alone', 1);
    let produces = 0;
    let release!: () => void;
    const firstHeld = new Promise<void>((resolve) => (release = resolve));
    const c = new Cluster({
      bootstrap: [kafka.bootstrap], clientId: 'firehose-wire-test', connectTimeoutMs: 5_000,
      socketFactory: (host, port) => {
        const socket = net.connect({ host, port });
        tapRequests(socket, ({ apiKey }) => {
          if (apiKey !== API_KEY.Produce) return 'send';
          if (++produces > 1) release();
          else {
            setTimeout(release, 500);
            return firstHeld;
          }
          return 'send';
        });
        return socket;
      },
    });
    clusters.push(c);
    const values = Array.from({ length: N }, (_, i) => `first ${i}`);
    await produceWithReport({ acks: -1, batchBytes: 1024, deliveryTimeoutMs: 10_000 }, N, async (producer) => {
      for (const value of values) {
        const wait = producer.send(topic, { key: null, value });
        if (wait) await wait;
      }
    }, c);
    expect(produces).toBeGreaterThan(5);
    expect((await fetchAll(topic, 1, N)).map((r) => r.value!.toString())).toEqual(values);
  });
});

describe('the wire fetcher', () => {
  it('reopens a lost connection and goes on from where it was, nothing read twice', async () => {
    const topic = await newWireTopic('wire-refetch', 1);
    await produceAll(topic, 1, false);
    const c = cluster();
    const fetcher = new Fetcher(c, { maxWaitMs: 100, partitionMaxBytes: 4 * 1024 });
    const values: string[] = [];
    let dropped = 0;
    for await (const batch of fetcher.fetch(topic, new Map([[0, 0]]))) {
      values.push(...batch.records.map((r) => r.value!.toString()));
      if (dropped++ < 3) (await c.connection(c.leaderOf(topic, 0))).close();
      if (values.length >= N) break;
    }
    expect(values).toHaveLength(N);
    expect(sorted(values)).toEqual(sorted(Array.from({ length: N }, (_, i) => `value ${i}`)));
  });
});

describe('what the wire producer compressed, read by kcat and Java', () => {
  const values = Array.from({ length: N }, (_, i) => `{ "message": "Sending Message: ${i}" } ✓ ${'repeated text compresses '.repeat(i % 5)}`);

  async function produceCompressed(topic: string, compression: CompressionCodec): Promise<void> {
    await produceWithReport({ acks: -1, compression, batchBytes: 64 * 1024, deliveryTimeoutMs: 30_000 }, N, async (producer) => {
      for (const [i, value] of values.entries()) {
        const wait = producer.send(topic, { key: `k${i % 10}`, value, headers: [{ key: 'codec', value: Buffer.from(compression) }] });
        if (wait) await wait;
      }
    });
  }

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it.skipIf(codec === 'zstd' && !hasZstd)(`${codec}: stored compressed, every record read back by kcat`, async () => {
      const topic = await newWireTopic(`wire-produce-${codec}`, 2);
      await produceCompressed(topic, codec);
      expect(await storedCodec(topic, 0)).toBe(codec);
      const records = await kcatRead(topic);
      expect(sorted(records.map((r) => r.value.toString()))).toEqual(sorted(values));
      expect(records.every((r) => r.headers === `codec=${codec}`)).toBe(true);
    });
  }

  it('snappy (xerial) and lz4 (frame checksum) batches are read by the Java console consumer', { timeout: 120_000 }, async () => {
    const topic = await newWireTopic('wire-produce-java', 2);
    await produceCompressed(topic, 'snappy');
    await produceCompressed(topic, 'lz4');
    const tools = await ensureConsoleTools();
    const result = await runKafkaTool(tools, tools.consumer, ['--bootstrap-server', kafka.bootstrap, '--topic', topic, '--from-beginning', '--max-messages', String(2 * N), '--timeout-ms', '30000']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(sorted(result.stdout.split('\n').filter((l) => l !== ''))).toEqual(sorted([...values, ...values]));
  });
});

describe('the wire fetcher reads what kcat wrote', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`compression ${codec}${codec === 'zstd' && !hasZstd ? ' (this Node has no zstd: a clear error naming it)' : ''}`, async () => {
      const topic = await newWireTopic(`wire-fetch-${codec}`, 2);
      const values = Array.from({ length: N }, (_, i) => `kcat value ${i} ✓ ${'repeated text compresses '.repeat(i % 5)}`);
      await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic, '-z', codec, '-K:', '-H', 'origin=kcat'], { input: values.map((v, i) => `k${i % 10}:${v}\n`).join('') });
      // Stored as sent: the embedded broker advertises Produce from v0 as Kafka 4.x does, so kcat compresses for it too.
      expect(await storedCodec(topic, 0)).toBe(codec);
      if (codec === 'zstd' && !hasZstd) {
        await expect(fetchAll(topic, 2, N)).rejects.toThrow(UnsupportedCodecError);
        return;
      }
      const records = await fetchAll(topic, 2, N);
      expect(records).toHaveLength(N);
      expect(sorted(records.map((r) => r.value!.toString()))).toEqual(sorted(values));
      expect(records.every((r) => r.headers.length === 1 && r.headers[0]!.key === 'origin' && r.headers[0]!.value!.toString() === 'kcat')).toBe(true);
      expect(records.every((r) => /^k\d$/.test(r.key!.toString()))).toBe(true);
    });
  }

  // Java's producer writes snappy in xerial frames and LZ4 with its frame checksum, as kcat does not.
  it('reads what Java\'s console producer wrote with each codec', async () => {
    const tools = await ensureConsoleTools();
    for (const codec of ['gzip', 'snappy', 'lz4', ...(hasZstd ? ['zstd'] : [])]) {
      const topic = await newWireTopic(`wire-fetch-java-${codec}`, 1);
      const values = Array.from({ length: 200 }, (_, i) => `java value ${i} ✓ ${'repeated text compresses '.repeat(i % 5)}`);
      const produced = await runKafkaTool(tools, tools.producer, ['--bootstrap-server', kafka.bootstrap, '--topic', topic, '--compression-codec', codec], { input: values.map((v) => `${v}\n`).join('') });
      expect(produced.exitCode, produced.stderr).toBe(0);
      expect(await storedCodec(topic, 0)).toBe(codec);
      expect((await fetchAll(topic, 1, values.length)).map((r) => r.value!.toString()), codec).toEqual(values);
    }
  });

  it('reads what confluent-kafka (Python) wrote with each codec', async () => {
    await ensurePythonVenv();
    for (const codec of ['gzip', 'snappy', 'lz4', ...(hasZstd ? ['zstd'] : [])]) {
      const topic = await newWireTopic(`wire-fetch-python-${codec}`, 1);
      const values = Array.from({ length: 200 }, (_, i) => `python value ${i} ✓ ${'repeated text compresses '.repeat(i % 5)}`);
      const produced = await runPython('producer.py', [topic, '--compression', codec, '--timeout', '30'], kafka.bootstrap, { input: values.map((v) => `${v}\n`).join('') });
      expect(produced.exitCode, produced.stderr).toBe(0);
      // librdkafka sends a batch plain when compressing would not make it smaller.
      expect(await storedCodecs(topic, 0)).toContain(codec);
      expect((await fetchAll(topic, 1, values.length)).map((r) => r.value!.toString()), codec).toEqual(values);
    }
  });

  it('lists earliest, latest and by-time offsets', async () => {
    const topic = await newWireTopic('wire-offsets', 1);
    const before = Date.now() - 1;
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic], { input: 'a\nb\nc\n' });
    const fetcher = new Fetcher(cluster());
    expect(await fetcher.listOffsets(topic, [0], 'earliest')).toEqual(new Map([[0, 0]]));
    expect(await fetcher.listOffsets(topic, [0], 'latest')).toEqual(new Map([[0, 3]]));
    expect(await fetcher.listOffsets(topic, [0], { timestamp: before })).toEqual(new Map([[0, 0]]));
    expect(await fetcher.listOffsets(topic, [0], { timestamp: Date.now() + 60_000 })).toEqual(new Map([[0, 3]]));
  });
});
