// Consumer groups against the real broker: a group consumes and commits, then
// describe/lag, reset planning (no side effects) and reset execution are checked
// with exact offsets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/config/connection.js';
import { FirehoseError, UsageError } from '../../src/errors.js';
import { createKafkaClient, type KafkaClient } from '../../src/kafka/connect.js';
import {
  describeGroup,
  executeOffsetReset,
  listGroups,
  parseResetTarget,
  planOffsetReset,
  type GroupPartitionOffset,
  type OffsetResetRow,
} from '../../src/kafka/groups.js';
import { GroupConsumer } from '../../src/kafka/wire/group.js';
import { Producer } from '../../src/kafka/wire/producer.js';
import { silentLogger } from '../../src/logger.js';
import { createTestTopic } from '../support/kafka-client.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const kafka = kafkaFromTests();
const topic = uniqueName('groups');
const groupId = uniqueName('group');
// Record timestamps are explicit, an hour back, one second apart per partition.
const T = Date.now() - 3_600_000;
const WAIT = { timeoutMs: 30_000 };

let client: KafkaClient;
const consumers: GroupConsumer[] = [];

async function newClient(): Promise<KafkaClient> {
  const settings = resolveConnection({ bootstrap: kafka.bootstrap }, {}, {});
  return createKafkaClient(settings, { env: {}, log: silentLogger });
}

/** `count` records on `partition` with timestamps T + i s, for i from `first`. */
async function produce(partition: number, first: number, count: number): Promise<void> {
  const producer = new Producer(await client.cluster(), { acks: -1 });
  await producer.connect();
  for (let i = 0; i < count; i++) {
    const wait = producer.send(topic, { key: null, value: `p${partition}-${first + i}`, partition, timestamp: T + (first + i) * 1000 });
    if (wait) await wait;
  }
  await producer.flush();
}

/** A member of `group` reading the topic from the earliest offsets; it commits only what the test tells it to. */
async function startConsumer(group: string, onRecords: (count: number) => void = () => {}): Promise<GroupConsumer> {
  const consumer = new GroupConsumer(await client.cluster(), { groupId: group, topics: [topic], offsetReset: 'earliest', commitOnClose: false, fetch: { maxWaitMs: 100 } });
  consumers.push(consumer);
  void (async () => {
    for await (const batch of consumer.batches()) onRecords(batch.records.length);
  })().catch(() => {});
  return consumer;
}

async function committedNow(group: string): Promise<Record<string, string>> {
  const admin = await client.admin();
  const offsets = (await admin.committedOffsets(group, new Map([[topic, [0, 1, 2]]]))).get(topic) ?? new Map<number, number>();
  return Object.fromEntries([...offsets].map(([p, o]) => [p, String(o)]));
}

const row = (partition: number, committed: string | null, end: string | null, lag: number | null): GroupPartitionOffset =>
  ({ topic, partition, committed, end, lag });
const reset = (partition: number, current: string | null, target: string): OffsetResetRow => ({ topic, partition, current, target });

async function rejection(promise: Promise<unknown>): Promise<FirehoseError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FirehoseError);
  return error as FirehoseError;
}

beforeAll(async () => {
  client = await newClient();
  await createTestTopic(client, topic, 3);
  await produce(0, 0, 5);
  await produce(1, 0, 3);

  // The group reads all 8 records and commits p0=5, p1=3 (nothing on the empty p2).
  let seen = 0;
  const consumer = await startConsumer(groupId, (n) => { seen += n; });
  await waitFor(() => seen === 8, { ...WAIT, what: 'the consumer to read 8 records' });
  await consumer.commitOffsets(new Map([[topic, new Map([[0, 5], [1, 3]])]]));
  await waitFor(async () => {
    const c = await committedNow(groupId);
    return c[0] === '5' && c[1] === '3';
  }, { ...WAIT, what: 'commits p0=5, p1=3' });
  await consumer.close();
  await waitFor(async () => (await describeGroup(client, groupId)).state === 'Empty', { ...WAIT, what: `${groupId} to be Empty` });

  // After the group left: p0 gets 2 more (lag 2), p2 gets 4 of which the first is deleted (low 1).
  await produce(0, 5, 2);
  await produce(2, 0, 4);
  await (await client.admin()).deleteRecords(topic, new Map([[2, 1]]));
});

afterEach(async () => {
  await Promise.allSettled(consumers.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await client?.close();
});

describe('listGroups', () => {
  it('lists the group with its protocol type and state', async () => {
    const groups = await listGroups(client);
    expect(groups).toContainEqual({ groupId, protocolType: 'consumer', state: 'Empty' });
    const ids = groups.map((g) => g.groupId);
    expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
  });
});

describe('describeGroup', () => {
  it('reports committed offsets, end offsets and exact lag', async () => {
    const d = await describeGroup(client, groupId);
    expect(d).toMatchObject({ groupId, state: 'Empty', protocolType: 'consumer', members: [] });
    expect(d.offsets).toEqual([row(0, '5', '7', 2), row(1, '3', '3', 0), row(2, null, '4', null)]);
    expect(d.totalLag).toBe(2);
  });

  it('fails with GROUP_NOT_FOUND for an unknown group', async () => {
    const error = await rejection(describeGroup(client, uniqueName('no-such-group')));
    expect(error.code).toBe('GROUP_NOT_FOUND');
    expect(error.hint).toContain('firehose groups');
  });
});

describe('planOffsetReset', () => {
  const plan = async (to: string, withTopic = false) =>
    (await planOffsetReset(client, { groupId, to: parseResetTarget(to), ...(withTopic ? { topic } : {}) })).rows;

  it('plans earliest and latest from each partition’s low/high', async () => {
    expect(await plan('earliest')).toEqual([reset(0, '5', '0'), reset(1, '3', '0'), reset(2, null, '1')]);
    expect(await plan('latest')).toEqual([reset(0, '5', '7'), reset(1, '3', '3'), reset(2, null, '4')]);
    expect(await plan('latest', true)).toEqual(await plan('latest'));
  });

  it('clamps a numeric offset into [low, high] per partition', async () => {
    expect(await plan('4')).toEqual([reset(0, '5', '4'), reset(1, '3', '3'), reset(2, null, '4')]);
    expect(await plan('0')).toEqual([reset(0, '5', '0'), reset(1, '3', '0'), reset(2, null, '1')]);
    expect(await plan('999999')).toEqual([reset(0, '5', '7'), reset(1, '3', '3'), reset(2, null, '4')]);
  });

  it('finds the first offset at or after a timestamp, or the end when there is none', async () => {
    // T+2.5 s: p0 offset 3 (T+3 s), p1 has nothing that late (end 3), p2 offset 3 (T+3 s).
    const iso = new Date(T + 2500).toISOString();
    expect(await plan(iso)).toEqual([reset(0, '5', '3'), reset(1, '3', '3'), reset(2, null, '3')]);
    expect(await plan(`@${T + 2500}`)).toEqual(await plan(iso));
    // Before everything: the first stored offset (p2's first record was deleted).
    expect(await plan(`@${T - 60_000}`)).toEqual([reset(0, '5', '0'), reset(1, '3', '0'), reset(2, null, '1')]);
  });

  it('changes nothing', async () => {
    const d = await describeGroup(client, groupId);
    expect(d.offsets).toEqual([row(0, '5', '7', 2), row(1, '3', '3', 0), row(2, null, '4', null)]);
  });

  it('needs a topic when the group has no commits', async () => {
    expect((await rejection(planOffsetReset(client, { groupId: uniqueName('no-such-group'), to: { kind: 'earliest' } }))).code)
      .toBe('GROUP_NOT_FOUND');
    const fresh = uniqueName('fresh-group');
    const rows = (await planOffsetReset(client, { groupId: fresh, topic, to: { kind: 'earliest' } })).rows;
    expect(rows).toEqual([reset(0, null, '0'), reset(1, null, '0'), reset(2, null, '1')]);
  });

  it('rejects an unknown topic', async () => {
    const error = await rejection(planOffsetReset(client, { groupId, topic: uniqueName('no-topic'), to: { kind: 'latest' } }));
    expect(error.code).toBe('TOPIC_NOT_FOUND');
  });
});

describe('executeOffsetReset', () => {
  it('moves the committed offsets of an idle group', async () => {
    const earliest = await planOffsetReset(client, { groupId, to: { kind: 'earliest' } });
    expect(await executeOffsetReset(client, earliest)).toEqual(earliest.rows);
    let d = await describeGroup(client, groupId);
    expect(d.offsets).toEqual([row(0, '0', '7', 7), row(1, '0', '3', 3), row(2, '1', '4', 3)]);
    expect(d.totalLag).toBe(13);

    const byTime = await planOffsetReset(client, { groupId, to: parseResetTarget(`@${T + 2500}`) });
    expect(byTime.rows).toEqual([reset(0, '0', '3'), reset(1, '0', '3'), reset(2, '1', '3')]);
    await executeOffsetReset(client, byTime);
    d = await describeGroup(client, groupId);
    expect(d.offsets).toEqual([row(0, '3', '7', 4), row(1, '3', '3', 0), row(2, '3', '4', 1)]);
    expect(d.state).toBe('Empty');
  });

  it('refuses with GROUP_ACTIVE while a consumer is in the group, and shows its assignment', async () => {
    const active = uniqueName('active-group');
    await startConsumer(active);
    const d = await waitFor(async () => {
      const now = await describeGroup(client, active);
      return now.state === 'Stable' && now.members[0]?.assignments[topic]?.length === 3 ? now : undefined;
    }, { ...WAIT, what: `${active} to be Stable with one member` });
    expect(d.members).toHaveLength(1);
    expect(d.members[0]).toMatchObject({ clientId: 'firehose', assignments: { [topic]: [0, 1, 2] } });
    expect(d.protocol).not.toBe('');

    const plan = await planOffsetReset(client, { groupId: active, topic, to: { kind: 'latest' } });
    const error = await rejection(executeOffsetReset(client, plan));
    expect(error.code).toBe('GROUP_ACTIVE');
    expect(error.hint).toMatch(/stop its consumers/i);
  });
});

describe('parseResetTarget', () => {
  it.each([
    ['earliest', { kind: 'earliest' }],
    ['LATEST', { kind: 'latest' }],
    [' latest ', { kind: 'latest' }],
    ['0', { kind: 'offset', offset: '0' }],
    ['0042', { kind: 'offset', offset: '42' }],
    ['9223372036854775807', { kind: 'offset', offset: '9223372036854775807' }],
    ['@1714557600000', { kind: 'timestamp', timestamp: 1714557600000 }],
    ['2024-05-01T10:00:00Z', { kind: 'timestamp', timestamp: Date.UTC(2024, 4, 1, 10) }],
    ['2024-05-01T10:00:00.250Z', { kind: 'timestamp', timestamp: Date.UTC(2024, 4, 1, 10, 0, 0, 250) }],
    ['2024-05-01T12:00:00+02:00', { kind: 'timestamp', timestamp: Date.UTC(2024, 4, 1, 10) }],
    ['2024-05-01', { kind: 'timestamp', timestamp: Date.UTC(2024, 4, 1) }],
    ['2024-05-01T10:00', { kind: 'timestamp', timestamp: new Date(2024, 4, 1, 10).getTime() }],
    ['2024-05-01 10:00:00', { kind: 'timestamp', timestamp: new Date(2024, 4, 1, 10).getTime() }],
  ])('parses %j', (text, expected) => {
    expect(parseResetTarget(text)).toEqual(expected);
  });

  it.each(['', 'soon', '-1', '1.5', '1e3', '@', '@-5', '@abc', '2024-02-30', '2024-13-01', '2024-05-01T25:00:00Z', 'May 1 2024', 'earliest-ish'])(
    'rejects %j as a UsageError',
    (text) => {
      expect(() => parseResetTarget(text)).toThrow(UsageError);
    },
  );
});
