// Interop with kcat (librdkafka): what firehose writes, kcat reads byte for byte, and the
// other way round. kcat must be installed (.ci/run installs it): a missing kcat fails.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { expectOk, firehose, jsonLines, newTopic, produce, sorted, spamValues, type RecordJson } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { KCAT, kcatRead, requireKcat } from '../support/kcat.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { waitFor } from '../support/wait.js';

const kafka = kafkaFromTests();

beforeAll(requireKcat);

describe('kcat reads what firehose wrote', () => {
  it('spam --times 10: the exact spammer bytes, no keys, no headers', async () => {
    const topic = await newTopic('kcat-spam', 3);
    expectOk(await firehose(['spam', topic, '--times', '10']));
    const records = await kcatRead(topic);
    expect(records).toHaveLength(10);
    expect(sorted(records.map((r) => r.value.toString('hex')))).toEqual(sorted(spamValues(10).map((v) => Buffer.from(v).toString('hex'))));
    for (const r of records) {
      expect(r.key).toBeNull();
      expect(r.headers).toBe('');
    }
  });

  it('produce with keys and headers, including non-ASCII text', async () => {
    const topic = await newTopic('kcat-produce', 1);
    await produce(topic, ['id-1:héllo wörld ✓', 'id-2:a|b'], ['--key-separator', ':', '--header', 'source=cli']);
    const records = await kcatRead(topic);
    expect(records.map((r) => [r.offset, r.key?.toString('utf8'), r.value.toString('utf8'), r.headers])).toEqual([
      [0, 'id-1', 'héllo wörld ✓', 'source=cli'],
      [1, 'id-2', 'a|b', 'source=cli'],
    ]);
    expect(records[0]!.value.equals(Buffer.from('héllo wörld ✓', 'utf8'))).toBe(true);
  });
});

describe('firehose reads what kcat wrote', () => {
  it('keyed lines from kcat -P -K:', async () => {
    const topic = await newTopic('kcat-keys', 3);
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic, '-K:'], { input: 'k1:one\nk2:two\nk3:thrée\n' });
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '3', '--format', 'json']));
    const records = jsonLines<RecordJson>(result.stdout);
    expect(sorted(records.map((r) => `${r.key}=${r.value}`))).toEqual(['k1=one', 'k2=two', 'k3=thrée']);
    for (const r of records) expect(r.headers).toEqual({});
  });

  it('plain lines with headers from kcat -P -H, in partition order', async () => {
    const topic = await newTopic('kcat-headers', 1);
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic, '-p', '0', '-H', 'origin=kcat', '-H', 'n=1'], { input: 'alpha\nbeta\n' });
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '2', '--format', 'json']));
    expect(jsonLines<RecordJson>(result.stdout).map(({ partition, offset, key, headers, value }) => ({ partition, offset, key, headers, value }))).toEqual([
      { partition: 0, offset: '0', key: null, headers: { origin: 'kcat', n: '1' }, value: 'alpha' },
      { partition: 0, offset: '1', key: null, headers: { origin: 'kcat', n: '1' }, value: 'beta' },
    ]);
  });

  it('firehose consume prints kcat values unchanged in value format', async () => {
    const topic = await newTopic('kcat-values', 1);
    const values = spamValues(5);
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic], { input: `${values.join('\n')}\n` });
    const result = expectOk(await firehose(['consume', topic, '--from-beginning', '--max-messages', '5']));
    expect(result.stdout).toBe(`${values.join('\n')}\n`);
  });
});

describe('kcat on its own: metadata and a consumer group', () => {
  it('kcat -L lists the topic with its partitions, each led by a broker in the list', async () => {
    const topic = await newTopic('kcat-meta', 3);
    const meta = JSON.parse((await execa(KCAT, ['-L', '-J', '-b', kafka.bootstrap, '-t', topic])).stdout);
    const brokerIds = meta.brokers.map((b: { id: number }) => b.id);
    expect(meta.topics).toHaveLength(1);
    expect(meta.topics[0].topic).toBe(topic);
    expect(meta.topics[0].partitions.map((p: { partition: number }) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const p of meta.topics[0].partitions) expect(brokerIds).toContain(p.leader);
  });

  it('kcat -G reads each record once, commits, and a second run gets only new records', async () => {
    const topic = await newTopic('kcat-group', 3);
    const group = `${topic}-g`;
    const first = spamValues(6);
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic], { input: `${first.join('\n')}\n` });
    const kcatGroup = (count: number) =>
      execa(KCAT, ['-b', kafka.bootstrap, '-G', group, '-X', 'auto.offset.reset=earliest', '-c', String(count), '-q', '-f', '%s\n', topic], { timeout: 60_000 });
    expect(sorted((await kcatGroup(6)).stdout.split('\n'))).toEqual(sorted(first));
    const described = JSON.parse(expectOk(await firehose(['groups', 'describe', group, '--output', 'json'])).stdout);
    const committed = described.offsets.reduce((sum: number, p: { committed: string | null }) => sum + Number(p.committed ?? 0), 0);
    expect(committed).toBe(6);
    await execa(KCAT, ['-P', '-b', kafka.bootstrap, '-t', topic], { input: 'late one\n' });
    expect((await kcatGroup(1)).stdout).toBe('late one');
  });
});

describe('kcat -L on 1000 partitions and 1000 topics: the embedded broker answers as the test broker does', () => {
  let embedded: EmbeddedBroker;
  const prefix = uniqueName('kcat-many');
  const wide = `${prefix}-p1000`;
  const names = Array.from({ length: 1000 }, (_, t) => `${prefix}-${t}`);

  /** Creates the topics through the Kafka protocol itself, the same request to both brokers. */
  async function createTopics(port: number, host: string, topics: Array<{ name: string; partitions: number }>): Promise<void> {
    const client = await RawClient.open(port, host);
    try {
      const answer = await client.request(API_KEY.CreateTopics, 4, {
        topics: topics.map((t) => ({ name: t.name, numPartitions: t.partitions, replicationFactor: 1, assignments: [], configs: [] })),
        timeoutMs: 60_000, validateOnly: false,
      });
      const failed = answer.topics.filter((t: { errorCode: number }) => t.errorCode !== 0);
      expect(failed.map((t: { name: string; errorMessage: string | null }) => `${t.name}: ${t.errorMessage}`)).toEqual([]);
    } finally {
      client.close();
    }
  }

  async function kcatMetadata(bootstrap: string, topic?: string): Promise<{ brokers: Array<{ id: number }>; topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }> }> {
    const result = await execa(KCAT, ['-L', '-J', '-b', bootstrap, ...(topic ? ['-t', topic] : [])], { timeout: 60_000 });
    return JSON.parse(result.stdout);
  }

  /** What must be the same on both brokers: names, partition ids, a listed leader, one replica in sync. */
  function shape(meta: Awaited<ReturnType<typeof kcatMetadata>>, keep: (topic: string) => boolean) {
    const brokerIds = new Set(meta.brokers.map((b) => b.id));
    return meta.topics
      .filter((t) => keep(t.topic))
      .map((t) => ({
        topic: t.topic,
        partitions: t.partitions
          .map((p) => ({ partition: p.partition, leaderListed: brokerIds.has(p.leader), replicas: p.replicas.length, isrs: p.isrs.length }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  beforeAll(async () => {
    embedded = await startEmbeddedBroker({ port: 0, autoCreateTopics: false });
    const [host, port] = [kafka.bootstrap.slice(0, kafka.bootstrap.lastIndexOf(':')), Number(kafka.bootstrap.slice(kafka.bootstrap.lastIndexOf(':') + 1))];
    const topics = [{ name: wide, partitions: 1000 }, ...names.map((name) => ({ name, partitions: 1 }))];
    await Promise.all([createTopics(port, host, topics), createTopics(embedded.port, '127.0.0.1', topics)]);
    // Apache Kafka elects the leaders after it answers CreateTopics: wait until its metadata has them all.
    await waitFor(async () => {
      const meta = await kcatMetadata(kafka.bootstrap);
      const mine = meta.topics.filter((t) => t.topic.startsWith(`${prefix}-`));
      return mine.length === 1001 && mine.every((t) => t.partitions.length === (t.topic === wide ? 1000 : 1) && t.partitions.every((p) => p.leader >= 0));
    }, { timeoutMs: 90_000, what: 'the test broker to list 1001 new topics with leaders' });
  }, 180_000);

  afterAll(async () => {
    await embedded?.stop();
    // Leave the shared test broker as it was: 1001 topics slow every later listing.
    const [host, port] = [kafka.bootstrap.slice(0, kafka.bootstrap.lastIndexOf(':')), Number(kafka.bootstrap.slice(kafka.bootstrap.lastIndexOf(':') + 1))];
    const client = await RawClient.open(port, host);
    await client.request(API_KEY.DeleteTopics, 4, { topicNames: [wide, ...names], timeoutMs: 60_000 });
    client.close();
    // The next test file starts only once the deletions are done, not while the controller is busy with them.
    await waitFor(async () => (await kcatMetadata(kafka.bootstrap)).topics.every((t) => !t.topic.startsWith(`${prefix}-`)), { timeoutMs: 90_000, what: 'the test broker to drop the 1001 topics' });
  }, 180_000);

  it('kcat -L -t <1000-partition topic> lists every partition on both', async () => {
    const [apache, ours] = await Promise.all([kcatMetadata(kafka.bootstrap, wide), kcatMetadata(embedded.bootstrap, wide)]);
    const expected = shape(apache, (t) => t === wide);
    expect(expected[0]!.partitions).toHaveLength(1000);
    expect(shape(ours, (t) => t === wide)).toEqual(expected);
  });

  it('kcat -L lists all 1000 topics on both', async () => {
    const [apache, ours] = await Promise.all([kcatMetadata(kafka.bootstrap), kcatMetadata(embedded.bootstrap)]);
    const mine = (t: string) => t.startsWith(`${prefix}-`) && t !== wide;
    const expected = shape(apache, mine);
    expect(expected).toHaveLength(1000);
    expect(shape(ours, mine)).toEqual(expected);
  });
});
