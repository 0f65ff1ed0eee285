// The assignors against Java's documented results (RangeAssignor's and
// RoundRobinAssignor's javadoc examples), the cooperative-sticky rules, and the
// consumer protocol payloads read back across versions.
import { describe, expect, it } from 'vitest';
import { cooperativeStickyAssignor, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssignor, roundRobinAssignor, type Assignment, type MemberSubscription } from '../../../src/kafka/wire/assignors.js';

function member(memberId: string, topics: string[], owned: Record<string, number[]> = {}, generationId = -1): MemberSubscription {
  return { memberId, groupInstanceId: null, topics, userData: null, generationId, ownedPartitions: Object.entries(owned).map(([topic, partitions]) => ({ topic, partitions })) };
}

const plain = (result: Map<string, Assignment>) => Object.fromEntries([...result].map(([m, a]) => [m, Object.fromEntries(a)]));
const count = (a: Assignment | undefined) => [...(a ?? new Map()).values()].reduce((n, ps) => n + ps.length, 0);

describe('range', () => {
  it("gives each subscriber a range per topic, the first ones the remainder (Java's javadoc example)", () => {
    const result = rangeAssignor.assign([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])], new Map([['t0', 3], ['t1', 3]]));
    expect(plain(result)).toEqual({ C0: { t0: [0, 1], t1: [0, 1] }, C1: { t0: [2], t1: [2] } });
  });

  it('leaves a member with nothing when there are more members than partitions', () => {
    const result = rangeAssignor.assign([member('a', ['t']), member('b', ['t']), member('c', ['t'])], new Map([['t', 2]]));
    expect(plain(result)).toEqual({ a: { t: [0] }, b: { t: [1] }, c: {} });
  });
});

describe('roundrobin', () => {
  it("deals partitions in turn over the members (Java's javadoc example)", () => {
    const result = roundRobinAssignor.assign([member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])], new Map([['t0', 3], ['t1', 3]]));
    expect(plain(result)).toEqual({ C0: { t0: [0, 2], t1: [1] }, C1: { t0: [1], t1: [0, 2] } });
  });

  it('skips members not subscribed to a topic', () => {
    const result = roundRobinAssignor.assign([member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])], new Map([['t0', 1], ['t1', 2], ['t2', 3]]));
    expect(plain(result)).toEqual({ C0: { t0: [0] }, C1: { t1: [0] }, C2: { t1: [1], t2: [0, 1, 2] } });
  });
});

describe('cooperative-sticky', () => {
  const partitions = new Map([['t', 6]]);

  it('balances a fresh group', () => {
    const result = cooperativeStickyAssignor.assign([member('a', ['t']), member('b', ['t']), member('c', ['t'])], partitions);
    expect([...result.values()].map(count)).toEqual([2, 2, 2]);
  });

  it('keeps what members own, and withholds a partition that moves until its owner has revoked it', () => {
    const owned = member('a', ['t'], { t: [0, 1, 2, 3, 4, 5] }, 3);
    const first = cooperativeStickyAssignor.assign([owned, member('b', ['t'])], partitions);
    // a keeps three of its six; the three that go to b are held back this round.
    expect(count(first.get('a'))).toBe(3);
    expect(count(first.get('b'))).toBe(0);
    const kept = first.get('a')!.get('t')!;
    expect(kept.every((p) => [0, 1, 2, 3, 4, 5].includes(p))).toBe(true);
    // After a revoked them, the next round gives them to b and leaves a alone.
    const second = cooperativeStickyAssignor.assign([member('a', ['t'], { t: kept }, 4), member('b', ['t'], {}, 4)], partitions);
    expect(second.get('a')!.get('t')).toEqual(kept);
    expect(second.get('b')!.get('t')).toEqual([0, 1, 2, 3, 4, 5].filter((p) => !kept.includes(p)));
  });

  it('a partition claimed by two members stays with the newer generation', () => {
    const result = cooperativeStickyAssignor.assign([member('a', ['t'], { t: [0] }, 1), member('b', ['t'], { t: [0] }, 2)], new Map([['t', 2]]));
    expect(result.get('b')!.get('t')).toContain(0);
    expect(result.get('a')!.get('t') ?? []).not.toContain(0);
  });

  it('writes the generation in its userData, as Java does', () => {
    expect(cooperativeStickyAssignor.userData!(7)).toEqual(Buffer.from([0, 0, 0, 7]));
  });
});

describe('consumer protocol payloads', () => {
  it('a subscription round-trips in version 3', () => {
    const subscription = { topics: ['a', 'b'], userData: Buffer.from([1, 2]), ownedPartitions: [{ topic: 'a', partitions: [0, 2] }], generationId: 5 };
    const bytes = encodeSubscription(subscription);
    expect(bytes.readInt16BE(0)).toBe(3);
    expect(decodeSubscription(bytes)).toEqual(subscription);
  });

  it('reads a version 0 subscription (topics and userData only) and a newer version as the newest it knows', () => {
    const v0 = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 1, 0, 1]), Buffer.from('t'), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(decodeSubscription(v0)).toEqual({ topics: ['t'], userData: null, ownedPartitions: [], generationId: -1 });
    const v9 = Buffer.from(encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [], generationId: 2 }));
    v9.writeInt16BE(9, 0);
    expect(decodeSubscription(Buffer.concat([v9, Buffer.from([1, 2, 3])])).generationId).toBe(2);
  });

  it('an assignment round-trips; an empty SyncGroup answer is no partitions', () => {
    const assignment: Assignment = new Map([['a', [0, 3]], ['b', [1]]]);
    expect(decodeAssignment(encodeAssignment(assignment))).toEqual(assignment);
    expect(decodeAssignment(Buffer.alloc(0))).toEqual(new Map());
  });
});
