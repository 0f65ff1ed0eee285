// GroupCoordinator: Kafka's classic group protocol as clients see it, with
// fake timers standing in for session, rebalance and initial-delay timeouts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupCoordinator, type JoinGroupInput, type JoinGroupOutput, type SyncGroupOutput } from '../../src/embedded-kafka/group-coordinator.js';
import type { CommittedOffset, OffsetStore } from '../../src/embedded-kafka/offset-store.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

const SESSION = 10_000;
const REBALANCE = 30_000;
const DELAY = 300;

let coordinator: GroupCoordinator;
let logs: string[];

beforeEach(() => {
  vi.useFakeTimers();
  logs = [];
  coordinator = new GroupCoordinator({ log: (line) => logs.push(line) });
});

afterEach(() => {
  coordinator.close();
  vi.useRealTimers();
});

function joinInput(over: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: 'g',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('meta') }],
    requireKnownMemberId: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...over,
  };
}

/** Lets a test look at a promise without awaiting it. */
function track<T>(promise: Promise<T>): { done: boolean; value?: T } {
  const state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

function heartbeat(memberId: string, generationId: number, groupId = 'g'): number {
  return coordinator.heartbeat({ groupId, generationId, memberId, groupInstanceId: null }).errorCode;
}

function sync(memberId: string, generationId: number, assignments: Record<string, string> = {}): Promise<SyncGroupOutput> {
  return coordinator.syncGroup({
    groupId: 'g',
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: Object.entries(assignments).map(([id, a]) => ({ memberId: id, assignment: Buffer.from(a) })),
  });
}

function commit(memberId: string, generationId: number, offset = 10n, groupId = 'g'): number {
  const [result] = coordinator.commitOffsets({
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    offsets: [{ topic: 't', partition: 0, offset, metadata: null }],
  });
  return result!.errorCode;
}

/** Joins `n` members at once (past the initial delay); returns their join responses. */
async function joinTogether(n: number, metadata = (i: number) => `meta-${i}`): Promise<JoinGroupOutput[]> {
  const joins = Promise.all(
    Array.from({ length: n }, (_, i) =>
      coordinator.joinGroup(joinInput({ clientId: `c${i}`, protocols: [{ name: 'range', metadata: Buffer.from(metadata(i)) }] })),
    ),
  );
  await vi.advanceTimersByTimeAsync(DELAY);
  return joins;
}

/** A Stable group of `n` members; every member is assigned its own id as bytes. */
async function stableGroup(n: number): Promise<{ ids: string[]; leader: string; generationId: number }> {
  const joined = await joinTogether(n);
  const { leader, generationId } = joined[0]!;
  const ids = joined.map((j) => j.memberId);
  const assignments = Object.fromEntries(ids.map((id) => [id, id]));
  const syncs = [sync(leader, generationId, assignments), ...ids.filter((id) => id !== leader).map((id) => sync(id, generationId))];
  await Promise.all(syncs);
  return { ids, leader, generationId };
}

describe('joining', () => {
  it('puts members that start together into one generation with one leader who sees every metadata', async () => {
    const [a, b] = await joinTogether(2);
    expect(a!.errorCode).toBe(ErrorCode.NONE);
    expect(b!.errorCode).toBe(ErrorCode.NONE);
    expect(a!.generationId).toBe(1);
    expect(b!.generationId).toBe(1);
    expect(a!.leader).toBe(b!.leader);
    expect(a!.memberId).toMatch(/^c0-[0-9a-f-]{36}$/);
    expect(a!.protocolType).toBe('consumer');
    expect(a!.protocolName).toBe('range');
    const [leader, follower] = a!.leader === a!.memberId ? [a!, b!] : [b!, a!];
    expect(leader.members.map((m) => [m.memberId, m.metadata.toString()]).sort()).toEqual(
      [
        [a!.memberId, 'meta-0'],
        [b!.memberId, 'meta-1'],
      ].sort(),
    );
    expect(follower.members).toEqual([]);
    expect(coordinator.describeGroup('g').state).toBe('CompletingRebalance');
    expect(logs).toContain(`group g: generation 1 with 2 members (leader ${leader.memberId}, protocol range)`);
  });

  it('waits the initial delay, extends it for each new member and caps it at the rebalance timeout', async () => {
    const coord = new GroupCoordinator({ initialRebalanceDelayMs: 1000 });
    try {
      const first = track(coord.joinGroup(joinInput({ rebalanceTimeoutMs: 2500 })));
      await vi.advanceTimersByTimeAsync(900);
      expect(first.done).toBe(false);
      expect(coord.describeGroup('g').state).toBe('PreparingRebalance');
      const second = track(coord.joinGroup(joinInput()));
      await vi.advanceTimersByTimeAsync(900); // 1800 ms: second join pushed the end to 1900
      expect(first.done).toBe(false);
      const third = track(coord.joinGroup(joinInput()));
      await vi.advanceTimersByTimeAsync(699); // would end at 2800, but capped at 2500
      expect(third.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect([first, second, third].map((t) => t.value?.generationId)).toEqual([1, 1, 1]);
      expect(first.value!.members).toHaveLength(3);
    } finally {
      coord.close();
    }
  });

  it('hands out a member id with MEMBER_ID_REQUIRED when the client asks for it, and accepts the rejoin', async () => {
    const first = await coordinator.joinGroup(joinInput({ requireKnownMemberId: true, clientId: 'rdkafka' }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^rdkafka-/);
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Empty', members: [] });

    const rejoin = coordinator.joinGroup(joinInput({ requireKnownMemberId: true, memberId: first.memberId }));
    await vi.advanceTimersByTimeAsync(DELAY);
    expect(await rejoin).toMatchObject({ errorCode: ErrorCode.NONE, memberId: first.memberId, leader: first.memberId, generationId: 1 });
  });

  it('forgets a MEMBER_ID_REQUIRED id that is not used within the session timeout', async () => {
    const first = await coordinator.joinGroup(joinInput({ requireKnownMemberId: true }));
    await vi.advanceTimersByTimeAsync(SESSION);
    const late = await coordinator.joinGroup(joinInput({ requireKnownMemberId: true, memberId: first.memberId }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('rejects unknown member ids, bad session timeouts and incompatible protocols', async () => {
    expect((await coordinator.joinGroup(joinInput({ memberId: 'nobody' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 300_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await coordinator.joinGroup(joinInput({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await coordinator.joinGroup(joinInput({ protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(coordinator.listGroups()).toEqual([]);

    await joinTogether(1);
    expect((await coordinator.joinGroup(joinInput({ protocolType: 'connect' }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noCommon = await coordinator.joinGroup(joinInput({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }));
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(coordinator.describeGroup('g').members).toHaveLength(1);
  });

  it('chooses the protocol every member supports, by vote', async () => {
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const joins = Promise.all([
      coordinator.joinGroup(joinInput({ protocols: p('cooperative-sticky', 'range') })),
      coordinator.joinGroup(joinInput({ protocols: p('range', 'cooperative-sticky') })),
      coordinator.joinGroup(joinInput({ protocols: p('roundrobin', 'range', 'cooperative-sticky') })),
    ]);
    await vi.advanceTimersByTimeAsync(DELAY);
    const [a] = await joins;
    expect(a!.protocolName).toBe('range');
    const leaderView = (await joins).find((j) => j.memberId === j.leader)!;
    expect(leaderView.members.map((m) => m.metadata.toString())).toEqual(['range', 'range', 'range']);
  });

  it('gives a follower that rejoins a Stable group with unchanged metadata the current generation', async () => {
    const { ids, leader, generationId } = await stableGroup(2);
    const follower = ids.find((id) => id !== leader)!;
    const again = await coordinator.joinGroup(joinInput({ memberId: follower, protocols: [{ name: 'range', metadata: Buffer.from('meta-1') }] }));
    expect(again).toMatchObject({ errorCode: ErrorCode.NONE, generationId, leader, members: [] });
    expect(coordinator.describeGroup('g').state).toBe('Stable');
  });

  it('replaces a static member that joins again under the same group.instance.id', async () => {
    const first = coordinator.joinGroup(joinInput({ groupInstanceId: 'pod-0' }));
    await vi.advanceTimersByTimeAsync(DELAY);
    const old = await first;
    expect(old.memberId).toMatch(/^pod-0-/);
    const replacement = coordinator.joinGroup(joinInput({ groupInstanceId: 'pod-0' }));
    await vi.advanceTimersByTimeAsync(0);
    const renewed = await replacement;
    expect(renewed.errorCode).toBe(ErrorCode.NONE);
    expect(renewed.memberId).not.toBe(old.memberId);
    expect(renewed.generationId).toBe(2);
    expect(coordinator.describeGroup('g').members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([[renewed.memberId, 'pod-0']]);
    expect(heartbeat(old.memberId, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('syncing', () => {
  it('holds followers until the leader brings the assignments, then makes the group Stable', async () => {
    const [a, b] = await joinTogether(2);
    const leader = a!.leader;
    const follower = [a!, b!].find((j) => j.memberId !== leader)!.memberId;
    const followerSync = track(sync(follower, 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(followerSync.done).toBe(false);

    const leaderSync = await sync(leader, 1, { [follower]: 'partitions-for-follower' });
    await vi.advanceTimersByTimeAsync(0);
    expect(leaderSync).toMatchObject({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range' });
    expect(leaderSync.assignment).toEqual(Buffer.alloc(0)); // the leader gave itself nothing
    expect(followerSync.value!.errorCode).toBe(ErrorCode.NONE);
    expect(followerSync.value!.assignment.toString()).toBe('partitions-for-follower');

    const described = coordinator.describeGroup('g');
    expect(described).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocolName: 'range' });
    expect(described.members.find((m) => m.memberId === follower)!.assignment.toString()).toBe('partitions-for-follower');
    // A late sync in Stable just gets the stored assignment.
    expect((await sync(follower, 1)).assignment.toString()).toBe('partitions-for-follower');
  });

  it('rejects a wrong generation, an unknown member and syncs during PreparingRebalance', async () => {
    const { leader, generationId } = await stableGroup(1);
    expect((await sync(leader, generationId + 1)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync('nobody', generationId)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    void coordinator.joinGroup(joinInput());
    expect((await sync(leader, generationId)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('answers waiting syncs with REBALANCE_IN_PROGRESS when a rebalance starts', async () => {
    const [a, b] = await joinTogether(2);
    const follower = [a!, b!].find((j) => j.memberId !== j.leader)!.memberId;
    const waiting = track(sync(follower, 1));
    void coordinator.joinGroup(joinInput());
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.value).toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
  });
});

describe('rebalancing', () => {
  it('makes heartbeats return REBALANCE_IN_PROGRESS when a member joins, until everyone has rejoined', async () => {
    const { ids, leader, generationId } = await stableGroup(2);
    expect(heartbeat(ids[0]!, generationId)).toBe(ErrorCode.NONE);

    const newcomer = track(coordinator.joinGroup(joinInput({ clientId: 'new' })));
    await vi.advanceTimersByTimeAsync(1000);
    expect(newcomer.done).toBe(false);
    for (const id of ids) expect(heartbeat(id, generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    const rejoins = ids.map((id, i) => track(coordinator.joinGroup(joinInput({ memberId: id, protocols: [{ name: 'range', metadata: Buffer.from(`meta-${i}`) }] }))));
    await vi.advanceTimersByTimeAsync(0);
    for (const t of [newcomer, ...rejoins]) expect(t.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generationId + 1, leader });
    expect(rejoins.find((t) => t.value!.memberId === leader)!.value!.members).toHaveLength(3);
  });

  it('expires a member that stops heartbeating; the survivor is told to rejoin and then rejoins alone', async () => {
    const { ids, generationId } = await stableGroup(2);
    const [survivor, silent] = ids as [string, string];
    for (let t = 0; t < SESSION; t += 3000) {
      expect(heartbeat(survivor, generationId)).toBe(ErrorCode.NONE);
      await vi.advanceTimersByTimeAsync(3000);
    }
    expect(logs.some((l) => l.includes(`member ${silent} expired`))).toBe(true);
    expect(heartbeat(survivor, generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(heartbeat(silent, generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const rejoin = await coordinator.joinGroup(joinInput({ memberId: survivor, protocols: [{ name: 'range', metadata: Buffer.from('meta-0') }] }));
    expect(rejoin).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generationId + 1, leader: survivor });
    expect(rejoin.members.map((m) => m.memberId)).toEqual([survivor]);
  });

  it('removes a member that does not rejoin within the rebalance timeout and elects a new leader', async () => {
    const { ids, leader, generationId } = await stableGroup(2);
    const follower = ids.find((id) => id !== leader)!;
    const newcomer = track(coordinator.joinGroup(joinInput({ clientId: 'new' })));
    const rejoin = track(coordinator.joinGroup(joinInput({ memberId: follower, protocols: [{ name: 'range', metadata: Buffer.from('meta-x') }] })));
    // The old leader keeps heartbeating (so its session never ends) but never rejoins.
    for (let t = 0; t < REBALANCE - 1000; t += 1000) {
      expect(heartbeat(leader, generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(newcomer.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rejoin.value).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generationId + 1 });
    // The newcomer joined before the follower rejoined, so it takes over from the removed leader.
    expect(newcomer.value!.leader).toBe(newcomer.value!.memberId);
    expect(newcomer.value!.members).toHaveLength(2);
    expect(heartbeat(leader, generationId + 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(logs.some((l) => l.includes(`member ${leader} removed`))).toBe(true);
  });

  it('rebalances the others when a member leaves, and goes Empty (same generation) when the last one leaves', async () => {
    const { ids, generationId } = await stableGroup(2);
    const left = coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: ids[0]!, groupInstanceId: null }, { memberId: 'nobody', groupInstanceId: null }] });
    expect(left).toEqual({
      errorCode: ErrorCode.NONE,
      members: [
        { memberId: ids[0], groupInstanceId: null, errorCode: ErrorCode.NONE },
        { memberId: 'nobody', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
    expect(heartbeat(ids[1]!, generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: ids[1]!, groupInstanceId: null }] });
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Empty', members: [] });
    // Rejoining continues from the kept generation.
    const [again] = await joinTogether(1);
    expect(again!.generationId).toBe(generationId + 1);
  });

  it('lets a member leave by group.instance.id and answers unknown groups per member', async () => {
    const join = coordinator.joinGroup(joinInput({ groupInstanceId: 'pod-0' }));
    await vi.advanceTimersByTimeAsync(DELAY);
    await join;
    expect(coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'pod-0' }] }).members[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.describeGroup('g').state).toBe('Empty');
    expect(coordinator.leaveGroup({ groupId: 'other', members: [{ memberId: 'm', groupInstanceId: null }] }).members[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });
});

describe('offsets', () => {
  it('round-trips commits; missing offsets come back as -1 and null topics list everything', async () => {
    const { leader, generationId } = await stableGroup(1);
    const result = coordinator.commitOffsets({
      groupId: 'g',
      generationId,
      memberId: leader,
      groupInstanceId: null,
      offsets: [
        { topic: 't', partition: 0, offset: 5n, metadata: 'note' },
        { topic: 't', partition: 1, offset: 7n, metadata: null },
        { topic: 'u', partition: 0, offset: 1n, metadata: 'x'.repeat(5000) },
      ],
    });
    expect(result.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0, 1, 2] }])).toEqual([
      { topic: 't', partition: 0, offset: 5n, metadata: 'note', errorCode: ErrorCode.NONE },
      { topic: 't', partition: 1, offset: 7n, metadata: '', errorCode: ErrorCode.NONE },
      { topic: 't', partition: 2, offset: -1n, metadata: '', errorCode: ErrorCode.NONE },
    ]);
    expect(coordinator.fetchOffsets('g', null).map((o) => [o.topic, o.partition, o.offset])).toEqual([
      ['t', 0, 5n],
      ['t', 1, 7n],
    ]);
    expect(coordinator.fetchOffsets('unknown', [{ topic: 't', partitions: [0] }])[0]!.offset).toBe(-1n);
    expect(coordinator.fetchOffsets('unknown', null)).toEqual([]);
  });

  it('rejects commits from a wrong generation, an unknown member or an unknown group', async () => {
    const { leader, generationId } = await stableGroup(1);
    expect(commit(leader, generationId + 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(commit('nobody', generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commit('someone', 3, 10n, 'no-such-group')).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0] }])[0]!.offset).toBe(-1n);
  });

  it('refuses commits between JoinGroup and SyncGroup but accepts the old generation while others rejoin', async () => {
    const [only] = await joinTogether(1);
    expect(commit(only!.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS); // CompletingRebalance
    await sync(only!.memberId, 1, { [only!.memberId]: 'all' });
    void coordinator.joinGroup(joinInput({ clientId: 'new' }));
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
    // Kafka accepts this so consumers can commit in onPartitionsRevoked before rejoining.
    expect(commit(only!.memberId, 1)).toBe(ErrorCode.NONE);
  });

  it('accepts admin commits (generation -1) only while the group has no members', async () => {
    expect(commit('', -1, 3n, 'admin-group')).toBe(ErrorCode.NONE);
    expect(coordinator.listGroups()).toEqual([{ groupId: 'admin-group', protocolType: '', state: 'Empty', type: 'classic' }]);
    expect(coordinator.fetchOffsets('admin-group', null)[0]!.offset).toBe(3n);

    await stableGroup(1);
    expect(commit('', -1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('keeps committed offsets after every member left', async () => {
    const { leader, generationId } = await stableGroup(1);
    expect(commit(leader, generationId, 42n)).toBe(ErrorCode.NONE);
    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: leader, groupInstanceId: null }] });
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0] }])[0]!.offset).toBe(42n);
    expect(commit('', -1, 43n)).toBe(ErrorCode.NONE);
  });

  it('counts a commit as a heartbeat', async () => {
    const { leader, generationId } = await stableGroup(1);
    for (let t = 0; t < 3 * SESSION; t += SESSION / 2) {
      expect(commit(leader, generationId)).toBe(ErrorCode.NONE);
      await vi.advanceTimersByTimeAsync(SESSION / 2);
    }
    expect(heartbeat(leader, generationId)).toBe(ErrorCode.NONE);
  });

  it('loads offsets from the store, saves every commit and forwards deletions', async () => {
    const saved: CommittedOffset[] = [];
    const deleted: string[] = [];
    const store: OffsetStore = {
      load: () => [
        { groupId: 'old', topic: 't', partition: 0, offset: 100n, metadata: 'm', commitTimestamp: 1 },
        { groupId: 'old', topic: 'gone', partition: 3, offset: 9n, metadata: null, commitTimestamp: 1 },
      ],
      save: (o) => saved.push(o),
      deleteGroup: (g) => deleted.push(`group ${g}`),
      deleteTopic: (t) => deleted.push(`topic ${t}`),
      deleteOffset: (g, t, p) => deleted.push(`offset ${g} ${t}-${p}`),
      close: () => deleted.push('closed'),
    };
    const coord = new GroupCoordinator({ offsetStore: store, now: () => 1234 });
    try {
      expect(coord.listGroups()).toEqual([{ groupId: 'old', protocolType: '', state: 'Empty', type: 'classic' }]);
      expect(coord.fetchOffsets('old', [{ topic: 't', partitions: [0] }])[0]).toMatchObject({ offset: 100n, metadata: 'm' });

      coord.commitOffsets({ groupId: 'old', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 101n, metadata: null }] });
      expect(saved).toEqual([{ groupId: 'old', topic: 't', partition: 0, offset: 101n, metadata: '', commitTimestamp: 1234 }]);

      coord.commitOffsets({ groupId: 'old', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 'u', partition: 1, offset: 5n, metadata: null }] });
      // OffsetDelete: the one stored offset goes (partition 2 had none: answered the same, nothing to forget).
      expect(coord.deleteOffsets('old', [{ topic: 'u', partitions: [1, 2] }])).toEqual({ errorCode: ErrorCode.NONE, topics: [{ topic: 'u', partitions: [{ partition: 1, errorCode: ErrorCode.NONE }, { partition: 2, errorCode: ErrorCode.NONE }] }] });
      expect(coord.deleteOffsets('unknown', [{ topic: 'u', partitions: [1] }])).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] });
      coord.deleteTopic('gone');
      expect(coord.fetchOffsets('old', null).map((o) => o.topic)).toEqual(['t']);
      expect(coord.deleteGroups(['old'])).toEqual([{ groupId: 'old', errorCode: ErrorCode.NONE }]);
      expect(coord.fetchOffsets('old', null)).toEqual([]);
      coord.close();
      // The caller owns a store it passed in.
      expect(deleted).toEqual(['offset old u-1', 'topic gone', 'group old']);
    } finally {
      coord.close();
    }
  });
});

describe('listing, describing and deleting groups', () => {
  it('reports each state, and Dead for an unknown group', async () => {
    expect(coordinator.describeGroup('nope')).toEqual({
      errorCode: ErrorCode.NONE,
      groupId: 'nope',
      state: 'Dead',
      protocolType: '',
      protocolName: '',
      members: [],
    });
    const join = coordinator.joinGroup(joinInput({ clientId: 'kafkajs', clientHost: '/10.0.0.7' }));
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'PreparingRebalance', type: 'classic' }]);
    await vi.advanceTimersByTimeAsync(DELAY);
    const { memberId } = await join;
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'CompletingRebalance', protocolName: '' });
    await sync(memberId, 1, { [memberId]: 'assigned' });
    expect(commit('', -1, 1n, 'simple')).toBe(ErrorCode.NONE);

    const described = coordinator.describeGroup('g');
    expect(described).toMatchObject({ errorCode: ErrorCode.NONE, state: 'Stable', protocolType: 'consumer', protocolName: 'range' });
    expect(described.members).toEqual([
      { memberId, groupInstanceId: null, clientId: 'kafkajs', clientHost: '/10.0.0.7', metadata: Buffer.from('meta'), assignment: Buffer.from('assigned') },
    ]);
    expect(coordinator.listGroups()).toEqual([
      { groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'classic' },
      { groupId: 'simple', protocolType: '', state: 'Empty', type: 'classic' },
    ]);
    expect(coordinator.listGroups(['empty']).map((g) => g.groupId)).toEqual(['simple']);
    expect(coordinator.listGroups(['Stable', 'Empty'])).toHaveLength(2);
  });

  it('deletes only empty groups, with their offsets', async () => {
    const { leader, generationId } = await stableGroup(1);
    expect(commit(leader, generationId)).toBe(ErrorCode.NONE);
    expect(coordinator.deleteGroups(['g', 'missing'])).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: leader, groupInstanceId: null }] });
    expect(coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    expect(coordinator.describeGroup('g').state).toBe('Dead');
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0] }])[0]!.offset).toBe(-1n);
    expect(coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
  });
});

describe('close', () => {
  it('answers pending joins and syncs with COORDINATOR_NOT_AVAILABLE and leaves no timer behind', async () => {
    const [a, b] = await joinTogether(2);
    const follower = [a!, b!].find((j) => j.memberId !== j.leader)!.memberId;
    const waitingSync = track(sync(follower, 1));
    const waitingJoin = track(coordinator.joinGroup(joinInput({ groupId: 'other' })));
    void coordinator.joinGroup(joinInput({ groupId: 'third', requireKnownMemberId: true }));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    coordinator.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(waitingJoin.value).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    expect(waitingSync.value).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    expect(vi.getTimerCount()).toBe(0);
    expect(heartbeat(follower, 1)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await coordinator.joinGroup(joinInput())).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
