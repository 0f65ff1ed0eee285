// KIP-848 consumer groups on the embedded broker's coordinator, as Kafka 4.x's
// GroupMetadataManager answers ConsumerGroupHeartbeat: member epochs, the server-side
// assignors, revocation before a partition moves, session and rebalance timeouts, the
// member epoch checks of OffsetCommit/OffsetFetch, and where classic and consumer groups meet.
// Fake timers stand in for the session and rebalance timeouts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rangeAssign, uniformAssign, type AssignorMember } from '../../src/embedded-kafka/assignors.js';
import type { ConsumerHeartbeatInput, ConsumerHeartbeatOutput } from '../../src/embedded-kafka/consumer-group.js';
import { GroupCoordinator } from '../../src/embedded-kafka/group-coordinator.js';
import { CONSUMER_PROTOCOL_VERSION, ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../src/protocol/apis/consumer-protocol.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { Reader } from '../../src/protocol/reader.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';

const SESSION = 45_000;
const INTERVAL = 5_000;
const T1 = 'a'.repeat(32);
const T2 = 'b'.repeat(32);

let topics: Map<string, { id: string; partitions: number }>;
let coordinator: GroupCoordinator;
let logs: string[];

beforeEach(() => {
  vi.useFakeTimers();
  logs = [];
  topics = new Map([['t1', { id: T1, partitions: 4 }], ['t2', { id: T2, partitions: 2 }]]);
  coordinator = new GroupCoordinator({
    log: (line) => logs.push(line),
    consumerHeartbeatIntervalMs: INTERVAL,
    consumerSessionTimeoutMs: SESSION,
    topics: {
      topic: (name) => topics.get(name),
      topicName: (id) => [...topics].find(([, t]) => t.id === id)?.[0],
      topicNames: () => [...topics.keys()],
    },
  });
});

afterEach(() => {
  coordinator.close();
  vi.useRealTimers();
});

function beat(over: Partial<ConsumerHeartbeatInput>, version = 1): ConsumerHeartbeatOutput {
  return coordinator.consumerGroupHeartbeat({
    groupId: 'g',
    memberId: 'm1',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...over,
  }, version);
}

/** A member joining (epoch 0) with its subscription, as Java's first heartbeat. */
function join(memberId: string, subscribed: string[] = ['t1'], over: Partial<ConsumerHeartbeatInput> = {}): ConsumerHeartbeatOutput {
  return beat({ memberId, memberEpoch: 0, subscribedTopicNames: subscribed, topicPartitions: [], ...over });
}

/** A later heartbeat that tells the coordinator what the member owns now. */
function owning(memberId: string, memberEpoch: number, owned: ConsumerHeartbeatOutput['assignment']): ConsumerHeartbeatOutput {
  return beat({ memberId, memberEpoch, rebalanceTimeoutMs: -1, topicPartitions: owned?.topicPartitions ?? [] });
}

/** A ConsumerProtocolSubscription v3, as a classic Java member sends it. */
function subscription(topicNames: string[], owned: Array<{ topic: string; partitions: number[] }>): Buffer {
  const w = new Writer().int16(CONSUMER_PROTOCOL_VERSION);
  encodeMessage(w, ConsumerProtocolSubscription, CONSUMER_PROTOCOL_VERSION, { topics: topicNames, userData: null, ownedPartitions: owned, generationId: -1, rackId: null });
  return w.toBuffer();
}

function assignmentBytes(byTopic: Record<string, number[]>): Buffer {
  const w = new Writer().int16(CONSUMER_PROTOCOL_VERSION);
  encodeMessage(w, ConsumerProtocolAssignment, CONSUMER_PROTOCOL_VERSION, { assignedPartitions: Object.entries(byTopic).map(([topic, partitions]) => ({ topic, partitions })), userData: null });
  return w.toBuffer();
}

function assignmentOf(bytes: Buffer): Record<string, number[]> {
  const r = new Reader(bytes);
  const version = r.int16();
  return Object.fromEntries(decodeMessage(r, ConsumerProtocolAssignment, version).assignedPartitions.map((t) => [t.topic, t.partitions]));
}

const partitionsOf = (out: ConsumerHeartbeatOutput, topicId = T1) => out.assignment?.topicPartitions.find((t) => t.topicId === topicId)?.partitions ?? [];

describe('ConsumerGroupHeartbeat', () => {
  it('a first member joins with epoch 0 and gets epoch 1, every partition of its topic and the heartbeat interval', () => {
    const out = join('m1');
    expect(out).toEqual({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: 'm1',
      memberEpoch: 1,
      heartbeatIntervalMs: INTERVAL,
      assignment: { topicPartitions: [{ topicId: T1, partitions: [0, 1, 2, 3] }] },
    });
    // A heartbeat with nothing new: the same epoch and no assignment (nothing changed).
    expect(beat({ memberId: 'm1', memberEpoch: 1, rebalanceTimeoutMs: -1 })).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: 1, assignment: null });
    expect(coordinator.describeConsumerGroup('g').description).toMatchObject({ groupState: 'Stable', groupEpoch: 1, assignmentEpoch: 1, assignorName: 'uniform' });
  });

  it('v0 members get an id from the coordinator; v1 members must bring their own', () => {
    const v0 = beat({ memberId: '', subscribedTopicNames: ['t1'], topicPartitions: [] }, 0);
    expect(v0.errorCode).toBe(ErrorCode.NONE);
    expect(v0.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(beat({ memberId: '', subscribedTopicNames: ['t1'], topicPartitions: [] }, 1)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "MemberId can't be empty." });
  });

  it('refuses what Kafka refuses, with its messages', () => {
    expect(beat({ groupId: '', subscribedTopicNames: ['t1'], topicPartitions: [] })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "GroupId can't be empty." });
    expect(beat({ rebalanceTimeoutMs: -1, subscribedTopicNames: ['t1'], topicPartitions: [] }).errorMessage).toBe('RebalanceTimeoutMs must be provided in first request.');
    expect(beat({ subscribedTopicNames: ['t1'], topicPartitions: null }).errorMessage).toBe('TopicPartitions must be empty when (re-)joining.');
    expect(beat({ subscribedTopicNames: [], topicPartitions: [] }).errorMessage).toBe('Subscribed topic names or subscribed topic regex must be set in first request.');
    expect(beat({ memberEpoch: -2, instanceId: null }).errorMessage).toBe("InstanceId can't be null.");
    expect(beat({ subscribedTopicNames: ['t1'], topicPartitions: [], serverAssignor: 'sticky' })).toMatchObject({
      errorCode: ErrorCode.UNSUPPORTED_ASSIGNOR,
      errorMessage: 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.',
    });
    // None of these created the group.
    expect(coordinator.listGroups()).toEqual([]);
  });

  it('a second member gets partitions only after the first released them: revocation first, at the old epoch', () => {
    const a1 = join('a');
    expect(partitionsOf(a1)).toEqual([0, 1, 2, 3]);
    const b1 = join('b');
    // b is at the new epoch but gets nothing yet: a still holds everything.
    expect(b1).toMatchObject({ memberEpoch: 2, assignment: { topicPartitions: [] } });
    expect(coordinator.describeConsumerGroup('g').description?.groupState).toBe('Reconciling');
    // a is asked to give two up; it stays at epoch 1 until it has.
    const a2 = owning('a', 1, a1.assignment);
    expect(a2.memberEpoch).toBe(1);
    expect(partitionsOf(a2)).toHaveLength(2);
    const released = [0, 1, 2, 3].filter((p) => !partitionsOf(a2).includes(p));
    // b asks again while a still owns them: still nothing.
    expect(partitionsOf(owning('b', 2, b1.assignment))).toEqual([]);
    // a's heartbeat shows them released: it moves to epoch 2, and then b gets them.
    const a3 = owning('a', 1, a2.assignment);
    expect(a3.memberEpoch).toBe(2);
    const b2 = owning('b', 2, { topicPartitions: [] });
    expect(partitionsOf(b2)).toEqual(released);
    expect(owning('b', 2, b2.assignment).assignment).toBeNull();
    expect(coordinator.describeConsumerGroup('g').description).toMatchObject({ groupState: 'Stable', groupEpoch: 2, assignmentEpoch: 2 });
  });

  it('a member that leaves (epoch -1) frees its partitions for the others at once', () => {
    const a1 = join('a');
    const a2 = owning('a', 1, a1.assignment);
    const b1 = join('b');
    owning('a', 1, owning('a', 1, a2.assignment).assignment);
    const b2 = owning('b', 2, b1.assignment);
    expect(partitionsOf(b2)).toHaveLength(2);
    expect(beat({ memberId: 'b', memberEpoch: -1 })).toMatchObject({ errorCode: ErrorCode.NONE, memberId: 'b', memberEpoch: -1 });
    const a3 = beat({ memberId: 'a', memberEpoch: 2, rebalanceTimeoutMs: -1 });
    expect(a3.memberEpoch).toBe(3);
    expect(partitionsOf(a3)).toEqual([0, 1, 2, 3]);
    expect(logs).toContain('group g: member b left');
  });

  it('fences a member that sends an epoch the coordinator never gave, or an old one while owning too much', () => {
    const a1 = join('a');
    expect(beat({ memberId: 'a', memberEpoch: 5 })).toMatchObject({
      errorCode: ErrorCode.FENCED_MEMBER_EPOCH,
      errorMessage: 'The consumer group member has a greater member epoch (5) than the one known by the group coordinator (1). The member must abandon all its partitions and rejoin.',
    });
    join('b');
    owning('a', 1, owning('a', 1, a1.assignment).assignment);
    // a is at epoch 2 now: epoch 1 with every partition is fenced, epoch 1 with only its own is the lost answer case.
    expect(owning('a', 1, a1.assignment).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect(owning('a', 1, { topicPartitions: [] }).errorCode).toBe(ErrorCode.NONE);
    expect(beat({ memberId: 'nobody', memberEpoch: 3 })).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, errorMessage: 'Member nobody is not a member of group g.' });
  });

  it('removes a member silent for the session timeout, and one that does not revoke within its rebalance timeout', () => {
    const a1 = join('a', ['t1'], { rebalanceTimeoutMs: 60_000 });
    join('b', ['t1'], { rebalanceTimeoutMs: 10_000 });
    // a is asked to revoke, b heartbeats, a never answers: after the session timeout a is gone.
    vi.advanceTimersByTime(SESSION - 1000);
    beat({ memberId: 'b', memberEpoch: 2, rebalanceTimeoutMs: -1 });
    vi.advanceTimersByTime(2000);
    expect(logs).toContain(`group g: member a expired after ${SESSION} ms without heartbeat`);
    expect(partitionsOf(owning('b', 2, { topicPartitions: [] }))).toEqual([0, 1, 2, 3]);
    expect(owning('a', 1, a1.assignment).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // b keeps heartbeating but never gives up what it is asked to for c: fenced after its rebalance timeout.
    const c1 = join('c');
    expect(c1.memberEpoch).toBeGreaterThan(0);
    const b = coordinator.describeConsumerGroup('g').description!.members.find((m) => m.memberId === 'b')!;
    const bOwned = { topicPartitions: b.assignment.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [0, 1, 2, 3] })) };
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(4000);
      beat({ memberId: 'b', memberEpoch: b.memberEpoch, rebalanceTimeoutMs: -1, topicPartitions: bOwned.topicPartitions });
      beat({ memberId: 'c', memberEpoch: c1.memberEpoch, rebalanceTimeoutMs: -1 });
    }
    expect(logs.some((l) => l.startsWith('group g: member b fenced, it did not revoke its partitions within its rebalance timeout'))).toBe(true);
    const group = coordinator.describeConsumerGroup('g').description!;
    expect(group.members.map((m) => [m.memberId, m.assignment.topicPartitions[0]?.partitions])).toEqual([['c', [0, 1, 2, 3]]]);
  });

  it('a static member that leaves with -2 keeps its partitions and gets them back when it rejoins, without a new group epoch', () => {
    const s1 = join('s1', ['t1'], { instanceId: 'i' });
    expect(beat({ memberId: 's1', memberEpoch: -2, instanceId: 'i' })).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: -2 });
    expect(join('other', ['t1'], { instanceId: 'i' }).errorCode).toBe(ErrorCode.NONE);
    const back = coordinator.describeConsumerGroup('g').description!;
    expect(back.groupEpoch).toBe(1);
    expect(back.members).toMatchObject([{ memberId: 'other', instanceId: 'i', memberEpoch: s1.memberEpoch, assignment: { topicPartitions: [{ topicId: T1, partitions: [0, 1, 2, 3] }] } }]);
    // While that member is active its instance id is taken.
    expect(join('third', ['t1'], { instanceId: 'i' }).errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
  });

  it('follows new partitions of a subscribed topic, and topics by regex', () => {
    const a1 = join('a', ['t2']);
    expect(partitionsOf(a1, T2)).toEqual([0, 1]);
    topics.set('t2', { id: T2, partitions: 3 });
    expect(partitionsOf(owning('a', 1, a1.assignment), T2)).toEqual([0, 1, 2]);
    const r = beat({ groupId: 'rg', memberId: 'r', subscribedTopicRegex: 't[12]', topicPartitions: [] });
    expect(r.assignment?.topicPartitions.map((t) => t.topicId)).toEqual([T1, T2]);
  });

  it('range gives each member contiguous partitions of every topic when the members ask for it', () => {
    join('a', ['t1'], { serverAssignor: 'range' });
    join('b', ['t1'], { serverAssignor: 'range' });
    const d = coordinator.describeConsumerGroup('g').description!;
    expect(d.assignorName).toBe('range');
    expect(Object.fromEntries(d.members.map((m) => [m.memberId, m.targetAssignment.topicPartitions[0]?.partitions]))).toEqual({ a: [0, 1], b: [2, 3] });
    expect(d.members[0]!.targetAssignment.topicPartitions[0]!.topicName).toBe('t1');
  });
});

describe('offsets of a consumer-protocol group', () => {
  it('a member commits with OffsetCommit v9 at its current epoch; an older version, epoch or member is refused as Kafka does', () => {
    join('a');
    const commit = (memberId: string, generationId: number, apiVersion: number) =>
      coordinator.commitOffsets({ groupId: 'g', generationId, memberId, groupInstanceId: null, apiVersion, offsets: [{ topic: 't1', partition: 0, offset: 5n, metadata: null }] })[0]!.errorCode;
    expect(commit('a', 1, 9)).toBe(ErrorCode.NONE);
    expect(commit('a', 1, 8)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(commit('a', 0, 9)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(commit('x', 1, 9)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // An admin commit (epoch -1) only into an empty group.
    expect(commit('', -1, 9)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.fetchOffsets('g', [{ topic: 't1', partitions: [0] }])[0]).toMatchObject({ offset: 5n });
    expect(coordinator.validateOffsetFetch('g', 'a', 1)).toBe(ErrorCode.NONE);
    expect(coordinator.validateOffsetFetch('g', 'a', 0)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(coordinator.validateOffsetFetch('g', 'x', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.validateOffsetFetch('g', null, -1)).toBe(ErrorCode.NONE);
    beat({ memberId: 'a', memberEpoch: -1 });
    expect(commit('', -1, 9)).toBe(ErrorCode.NONE);
  });
});

describe('classic and consumer groups', () => {
  it('ListGroups names each group\'s type; DescribeGroups says Dead of a consumer group, ConsumerGroupDescribe not found of a classic one', async () => {
    join('a');
    coordinator.commitOffsets({ groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't1', partition: 0, offset: 1n, metadata: null }] });
    expect(coordinator.listGroups()).toEqual([
      { groupId: 'simple', protocolType: '', state: 'Empty', type: 'classic' },
      { groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'consumer' },
    ]);
    expect(coordinator.describeGroup('g')).toMatchObject({ errorCode: ErrorCode.NONE, state: 'Dead' });
    expect(coordinator.describeConsumerGroup('simple')).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group simple is not a consumer group.' });
    expect(coordinator.describeConsumerGroup('nope')).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group nope not found.' });
    expect(coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP }]);
  });

  it('an empty classic group becomes a consumer group with its offsets', () => {
    coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't1', partition: 0, offset: 7n, metadata: null }] });
    expect(join('a').errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.fetchOffsets('g', [{ topic: 't1', partitions: [0] }])[0]).toMatchObject({ offset: 7n });
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'consumer' }]);
  });

  it('a KIP-848 member joining a classic group of consumers upgrades it (Kafka\'s online upgrade): the classic member keeps its partitions until it rejoins', async () => {
    const joining = coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1'], []) }], requireKnownMemberId: false, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    await vi.advanceTimersByTimeAsync(300);
    const { memberId, generationId } = await joining;
    const everything = assignmentBytes({ t1: [0, 1, 2, 3] });
    await coordinator.syncGroup({ groupId: 'g', generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: everything }] });

    const modern = join('m');
    expect(modern).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: generationId + 1, assignment: { topicPartitions: [] } });
    expect(logs).toContain(`group g: classic group of 1 members upgraded to a consumer group at epoch ${generationId}`);
    // The classic member is told to rejoin; rejoining (range: it gave everything up first) it keeps its share.
    expect(coordinator.heartbeat({ groupId: 'g', generationId, memberId, groupInstanceId: null }).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1'], []) }], requireKnownMemberId: true, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    expect(rejoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generationId + 1 });
    const synced = await coordinator.syncGroup({ groupId: 'g', generationId: generationId + 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    const kept = assignmentOf(synced.assignment).t1!;
    expect(kept).toHaveLength(2);
    expect(partitionsOf(owning('m', modern.memberEpoch, modern.assignment))).toEqual([0, 1, 2, 3].filter((p) => !kept.includes(p)));
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'consumer' }]);
  });

  it('a KIP-848 member cannot take over a classic group of something else than consumers', async () => {
    void coordinator.joinGroup({
      groupId: 'busy', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'connect',
      protocols: [{ name: 'default', metadata: Buffer.alloc(0) }], requireKnownMemberId: false, clientId: 'worker', clientHost: '/127.0.0.1',
    });
    expect(beat({ groupId: 'busy', memberId: 'b', subscribedTopicNames: ['t1'], topicPartitions: [] })).toMatchObject({
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: 'Group busy is not a consumer group.',
    });
  });

  it('a classic member joins a consumer group as Kafka 4.x lets it: the coordinator assigns, SyncGroup hands it out, Heartbeat calls it back to rejoin', async () => {
    const a1 = join('a');
    const protocols = [{ name: 'range', metadata: subscription(['t1'], []) }];
    const classicJoin = (memberId: string) => coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols, requireKnownMemberId: true, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    const required = await classicJoin('');
    expect(required.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await classicJoin(required.memberId);
    // No leader: the coordinator assigns. Its generation is its member epoch (the group's 2).
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, protocolType: 'consumer', protocolName: 'range', leader: '', members: [] });
    const sync = () => coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    // a still holds everything: nothing yet, and the heartbeat says rejoin once a has released its share.
    expect(assignmentOf((await sync()).assignment)).toEqual({});
    const hb = () => coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: joined.memberId, groupInstanceId: null }).errorCode;
    expect(hb()).toBe(ErrorCode.NONE);
    const a2 = owning('a', 1, a1.assignment);
    owning('a', 1, a2.assignment);
    expect(hb()).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await classicJoin(joined.memberId)).generationId).toBe(2);
    expect(assignmentOf((await sync()).assignment)).toEqual({ t1: [0, 1, 2, 3].filter((p) => !partitionsOf(a2).includes(p)) });
    expect(hb()).toBe(ErrorCode.NONE);
    // It commits with its generation; it leaves with LeaveGroup, and a gets everything back.
    expect(coordinator.commitOffsets({ groupId: 'g', generationId: 2, memberId: joined.memberId, groupInstanceId: null, apiVersion: 8, offsets: [{ topic: 't1', partition: 0, offset: 1n, metadata: null }] })[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.commitOffsets({ groupId: 'g', generationId: 1, memberId: joined.memberId, groupInstanceId: null, apiVersion: 8, offsets: [{ topic: 't1', partition: 0, offset: 1n, metadata: null }] })[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: joined.memberId, groupInstanceId: null }] }).members[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(partitionsOf(beat({ memberId: 'a', memberEpoch: 2, rebalanceTimeoutMs: -1 }))).toEqual([0, 1, 2, 3]);
    // A classic join that is not the consumer protocol cannot share it.
    const other = await coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: 'x', groupInstanceId: null, protocolType: 'connect',
      protocols, requireKnownMemberId: true, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('when the last KIP-848 member leaves, the classic members make it a classic group again (Kafka\'s online downgrade): they rejoin and their leader assigns', async () => {
    join('a');
    const protocols = [{ name: 'range', metadata: subscription(['t1'], []) }];
    const classicJoin = (memberId: string) => coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols, requireKnownMemberId: true, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    const { memberId } = await classicJoin('');
    expect((await classicJoin(memberId)).generationId).toBe(2);
    coordinator.commitOffsets({ groupId: 'g', generationId: 2, memberId, groupInstanceId: null, apiVersion: 8, offsets: [{ topic: 't1', partition: 0, offset: 7n, metadata: null }] });
    expect(beat({ memberId: 'a', memberEpoch: -1 }).errorCode).toBe(ErrorCode.NONE);

    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'PreparingRebalance', type: 'classic' }]);
    expect(logs).toContain('group g: consumer group of 1 classic members downgraded to a classic group at generation 3');
    // Its generation was its member epoch; the classic group's is the group epoch: it rejoins, keeping its id.
    expect(coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId, groupInstanceId: null }).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const rejoined = await classicJoin(memberId);
    expect(rejoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 4, protocolName: 'range', leader: memberId, members: [{ memberId, metadata: protocols[0]!.metadata }] });
    const synced = await coordinator.syncGroup({ groupId: 'g', generationId: 4, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment: assignmentBytes({ t1: [0, 1, 2, 3] }) }] });
    expect(assignmentOf(synced.assignment)).toEqual({ t1: [0, 1, 2, 3] });
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolName: 'range' });
    // The offsets stayed.
    expect(coordinator.fetchOffsets('g', [{ topic: 't1', partitions: [0] }])[0]).toMatchObject({ offset: 7n });
  });

  it('the downgrade also follows the last KIP-848 member removed for silence', async () => {
    join('a');
    const joinClassic = (memberId: string) => coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 60_000, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1'], []) }], requireKnownMemberId: true, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    const { memberId } = await joinClassic('');
    await joinClassic(memberId);
    expect(coordinator.listGroups().map((g) => g.type)).toEqual(['consumer']);
    vi.advanceTimersByTime(SESSION + 1);
    expect(logs).toContain(`group g: member a expired after ${SESSION} ms without heartbeat`);
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'PreparingRebalance', type: 'classic' }]);
  });

  it('an empty consumer group becomes classic again on a classic JoinGroup', async () => {
    join('a');
    beat({ memberId: 'a', memberEpoch: -1 });
    const joined = await coordinator.joinGroup({
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t1'], []) }], requireKnownMemberId: true, clientId: 'classic', clientHost: '/127.0.0.1',
    });
    expect(joined.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(coordinator.listGroups().map((g) => g.type)).toEqual(['classic']);
  });
});

describe('the server-side assignors', () => {
  const member = (memberId: string, topicIds: string[], current: Record<string, number[]> = {}): AssignorMember => ({
    memberId,
    topicIds,
    current: new Map(Object.entries(current).map(([t, ps]) => [t, new Set(ps)])),
  });
  const flat = (result: ReturnType<typeof uniformAssign>) =>
    Object.fromEntries([...result].map(([m, tp]) => [m, [...tp].flatMap(([t, ps]) => [...ps].sort((a, b) => a - b).map((p) => `${t[0]}${p}`))]));
  const counts = new Map([[T1, 4], [T2, 2]]);

  it('uniform spreads evenly and keeps partitions where they are', () => {
    const result = flat(uniformAssign([member('a', [T1, T2], { [T1]: [0, 1, 2, 3], [T2]: [0, 1] }), member('b', [T1, T2])], counts));
    expect(result.a).toHaveLength(3);
    expect(result.b).toHaveLength(3);
    // a keeps what it had up to its share.
    expect(result.a!.every((p) => ['a0', 'a1', 'a2', 'a3', 'b0', 'b1'].includes(p))).toBe(true);
    // Subscriptions are respected: c only reads t2.
    const mixed = flat(uniformAssign([member('a', [T1]), member('c', [T2])], counts));
    expect(mixed).toEqual({ a: ['a0', 'a1', 'a2', 'a3'], c: ['b0', 'b1'] });
  });

  it('range splits each topic in contiguous ranges, the first members taking one more', () => {
    expect(flat(rangeAssign([member('b', [T1, T2]), member('a', [T1, T2]), member('c', [T1])], counts))).toEqual({
      b: ['a2', 'b1'],
      a: ['a0', 'a1', 'b0'],
      c: ['a3'],
    });
  });
});
