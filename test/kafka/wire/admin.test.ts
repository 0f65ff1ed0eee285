// The wire client's admin requests on the test broker (Apache Kafka or the embedded one):
// topics are created (again: "already there"), described with their overridden configs,
// grown, trimmed and deleted; offsets by end and by time are exact; a group's members,
// commits and an outside offset commit read back; errors carry the broker's reason.
import { afterEach, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/kafka/wire/admin.js';
import type { Cluster } from '../../../src/kafka/wire/cluster.js';
import { KafkaResponseError } from '../../../src/kafka/wire/errors.js';
import { Producer } from '../../../src/kafka/wire/producer.js';
import { uniqueName } from '../../support/kafka-env.js';
import { waitFor } from '../../support/wait.js';
import { newWireTopic, runGroupMember, testCluster, type RunningMember } from '../../support/wire-client.js';

let clusters: Cluster[] = [];
let members: RunningMember[] = [];

function admin(): Admin {
  const cluster = testCluster();
  clusters.push(cluster);
  return new Admin(cluster);
}

afterEach(async () => {
  await Promise.all(members.map((m) => m.close()));
  await Promise.all(clusters.map((c) => c.close()));
  clusters = [];
  members = [];
});

/** Writes `count` records to `partition`, the i-th with time `t0 + i` seconds. */
async function produceTimed(topic: string, partition: number, count: number, t0: number): Promise<void> {
  const cluster = testCluster();
  clusters.push(cluster);
  const producer = new Producer(cluster, { acks: -1 });
  await producer.connect();
  for (let i = 0; i < count; i++) {
    const wait = producer.send(topic, { key: null, value: `p${partition}-${i}`, partition, timestamp: t0 + i * 1000 });
    if (wait) await wait;
  }
  await producer.flush();
}

async function rejection(promise: Promise<unknown>): Promise<KafkaResponseError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KafkaResponseError);
  return error as KafkaResponseError;
}

describe('topics', () => {
  it('creates a topic with configs, says when it already exists, describes, grows and deletes it', async () => {
    const a = admin();
    const name = uniqueName('admin-topic');
    expect(await a.createTopics([{ name, partitions: 2, replicationFactor: 1, configs: { 'retention.ms': '3600000' } }])).toEqual(new Map([[name, true]]));
    expect(await a.createTopics([{ name, partitions: 2, replicationFactor: 1 }])).toEqual(new Map([[name, false]]));
    await waitFor(async () => (await a.topic(name))?.partitions.every((p) => p.leader >= 0), { timeoutMs: 30_000, what: `leaders for ${name}` });

    const meta = (await a.topic(name))!;
    expect(meta.partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(meta.partitions[0]!.replicas).toHaveLength(1);
    expect(await a.listTopics()).toContain(name);
    expect((await a.listTopics()).some((t) => t.startsWith('__'))).toBe(false);

    const configs = await a.topicConfigs(name);
    expect(configs.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '3600000', overridden: true });
    expect(configs.filter((c) => c.overridden).map((c) => c.name)).toEqual(['retention.ms']);

    await a.createPartitions(name, 4);
    await waitFor(async () => (await a.topic(name))?.partitions.length === 4, { timeoutMs: 30_000, what: `${name} to have 4 partitions` });

    await a.deleteTopics([name]);
    await waitFor(async () => !(await a.listTopics()).includes(name), { timeoutMs: 30_000, what: `${name} to be gone` });
    expect(await a.topic(name)).toBeUndefined();
  });

  it("names the broker's reason for a refused topic, and a topic that is not there", async () => {
    const a = admin();
    const bad = await rejection(a.createTopics([{ name: uniqueName('admin-bad'), partitions: 1, replicationFactor: 1, configs: { 'retention.ms': 'abc' } }]));
    expect(bad.type).toBe('INVALID_CONFIG');
    expect(bad.message).toMatch(/retention\.ms/);

    const missing = await rejection(a.deleteTopics([uniqueName('admin-missing')]));
    expect(missing.type).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('offsets and records', () => {
  it('reads the earliest and latest offsets, finds offsets by time, and deletes records up to an offset', async () => {
    const a = admin();
    const topic = await newWireTopic('admin-offsets', 2);
    const t0 = Date.now() - 3_600_000;
    await produceTimed(topic, 0, 5, t0);
    await produceTimed(topic, 1, 3, t0);

    expect(await a.offsets(topic)).toEqual([{ partition: 0, earliest: 0, latest: 5 }, { partition: 1, earliest: 0, latest: 3 }]);
    // The first record at or after t0 + 2 s is offset 2 on both; past the last record's time, the end.
    expect(await a.offsetsFor(topic, { timestamp: t0 + 2000 })).toEqual(new Map([[0, 2], [1, 2]]));
    expect(await a.offsetsFor(topic, { timestamp: t0 + 4000 })).toEqual(new Map([[0, 4], [1, 3]]));

    expect(await a.deleteRecords(topic, new Map([[0, 3]]))).toEqual(new Map([[0, 3]]));
    expect(await a.offsets(topic)).toEqual([{ partition: 0, earliest: 3, latest: 5 }, { partition: 1, earliest: 0, latest: 3 }]);
  });
});

describe('groups', () => {
  it("lists and describes a group with a member, reads its commits, moves them from outside once it is empty, and deletes it", async () => {
    const a = admin();
    const topic = await newWireTopic('admin-group', 2);
    await produceTimed(topic, 0, 4, Date.now());
    await produceTimed(topic, 1, 2, Date.now());
    const groupId = uniqueName('admin-group');
    const m = runGroupMember({ groupId, topics: [topic] });
    members.push(m);
    await waitFor(() => m.records.length >= 6, { timeoutMs: 30_000, what: 'the member to read 6 records' });

    expect((await a.listGroups()).find((g) => g.groupId === groupId)).toEqual({ groupId, protocolType: 'consumer' });
    const [described] = await a.describeGroups([groupId]);
    expect(described).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer' });
    expect(described!.members).toHaveLength(1);
    expect(described!.members[0]!.memberId).toBe(m.consumer.memberId);
    expect(described!.members[0]!.clientId).toBe('firehose-wire-test');

    // An outside commit is refused while the group has a member.
    await rejection(a.commitOffsets(groupId, new Map([[topic, new Map([[0, 1]])]])));
    await m.close();
    members = [];
    expect(await a.committedOffsets(groupId)).toEqual(new Map([[topic, new Map([[0, 4], [1, 2]])]]));

    await a.commitOffsets(groupId, new Map([[topic, new Map([[0, 1], [1, 0]])]]));
    expect(await a.committedOffsets(groupId, new Map([[topic, [0, 1]]]))).toEqual(new Map([[topic, new Map([[0, 1], [1, 0]])]]));
    expect((await a.describeGroups([groupId]))[0]).toMatchObject({ state: 'Empty', members: [] });

    await a.deleteGroups([groupId]);
    expect((await a.listGroups()).some((g) => g.groupId === groupId)).toBe(false);
    expect(await a.committedOffsets(groupId)).toEqual(new Map());
    expect((await a.describeGroups([groupId]))[0]!.state).toBe('Dead');
  });

  it('refuses to delete a group that has members', async () => {
    const a = admin();
    const topic = await newWireTopic('admin-busy', 1);
    const groupId = uniqueName('admin-busy');
    const m = runGroupMember({ groupId, topics: [topic] });
    members.push(m);
    await m.consumer.join();
    expect((await rejection(a.deleteGroups([groupId]))).type).toBe('NON_EMPTY_GROUP');
  });
});
