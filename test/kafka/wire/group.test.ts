// The wire client's group member on the test broker (Apache Kafka or the embedded one):
// one member owns every partition and a restarted one goes on from the committed
// offsets; two members split the partitions and the one left takes over what a closing
// member had, nothing lost or read twice; heartbeats keep a member in the group while its
// processing is held up longer than the session timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, type Assignor } from '../../../src/kafka/wire/assignors.js';
import { kafkaFromTests, uniqueName } from '../../support/kafka-env.js';
import { waitFor } from '../../support/wait.js';
import type { GroupConsumerOptions } from '../../../src/kafka/wire/group.js';
import { describeWireGroup, newWireTopic, produceWire, removeGroupMember, runGroupMember, type RunningMember } from '../../support/wire-client.js';

let members: RunningMember[] = [];

function member(...args: Parameters<typeof runGroupMember>): RunningMember {
  const m = runGroupMember(...args);
  members.push(m);
  return m;
}

afterEach(async () => {
  await Promise.all(members.map((m) => m.close()));
  members = [];
});

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
const owned = (m: RunningMember) => m.consumer.assignment().reduce((n, t) => n + t.partitions.length, 0);
const sorted = (list: string[]) => [...list].sort();

describe('a group of one', () => {
  it('gets every partition, and a member started later goes on from the offsets committed on close', async () => {
    const topic = await newWireTopic('group-one', 3);
    const groupId = uniqueName('group-one');
    await produceWire(topic, values('first', 30), 3);
    const assigned: string[] = [];
    const first = member({ groupId, topics: [topic], onAssign: (ps) => void assigned.push(...ps.flatMap((p) => p.partitions.map((n) => `${p.topic}-${n}`))) });
    await waitFor(() => first.records.length >= 30, { timeoutMs: 30_000, what: 'the first member to read 30 records' });
    expect(sorted(assigned)).toEqual([0, 1, 2].map((p) => `${topic}-${p}`));
    expect(first.consumer.assignment()).toEqual([{ topic, partitions: [0, 1, 2] }]);
    await first.close();
    expect(await describeWireGroup(groupId)).toMatchObject({ state: 'Empty', members: [] });

    await produceWire(topic, values('second', 30), 3);
    const second = member({ groupId, topics: [topic] });
    await waitFor(() => second.records.length >= 30, { timeoutMs: 30_000, what: 'the second member to read 30 records' });
    expect(sorted(first.records.map((r) => r.value))).toEqual(sorted(values('first', 30)));
    expect(sorted(second.records.map((r) => r.value))).toEqual(sorted(values('second', 30)));
    await second.consumer.commit();
    expect(await second.consumer.committed(topic, [0, 1, 2])).toEqual(new Map([[0, 20], [1, 20], [2, 20]]));
    expect(second.error).toBeUndefined();
  });
});

describe('a closed member', () => {
  it('on an idle topic stops fetching: its cluster opens no connection after close (it used to fetch on, reopening them)', async () => {
    const topic = await newWireTopic('group-idle', 2);
    const idle = member({ groupId: uniqueName('group-idle'), topics: [topic] });
    await waitFor(() => owned(idle) === 2, { timeoutMs: 30_000, what: 'the member to own both partitions' });
    const opened: string[] = [];
    const cluster = idle.cluster;
    const connection = cluster.connection.bind(cluster);
    const connect = cluster.connect.bind(cluster);
    cluster.connection = (nodeId) => { opened.push(`connection(${nodeId})`); return connection(nodeId); };
    cluster.connect = () => { opened.push('connect()'); return connect(); };
    await idle.close();
    const closedAt = opened.length;
    // Ten of the member's fetch waits (100 ms): a loop still running would have asked for a connection by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(opened.slice(closedAt)).toEqual([]);
    expect(idle.error).toBeUndefined();
  });
});

const ASSIGNORS: Array<[string, Assignor[]]> = [
  ['range (eager)', [rangeAssignor]],
  ['roundrobin (eager)', [roundRobinAssignor]],
  ['cooperative-sticky (cooperative)', [cooperativeStickyAssignor]],
];

/**
 * Two members of a new group on a 4-partition topic: `a` alone owns all 4, `b` joins and
 * they settle on 2 each, both read, `a` closes and `b` takes its partitions over; every
 * record is read, none twice. `options(name)` are each member's GroupConsumer options.
 */
async function splitAndHandOver(prefix: string, options: (name: 'a' | 'b') => Partial<GroupConsumerOptions>) {
  const topic = await newWireTopic(prefix, 4);
  const groupId = uniqueName(prefix);
  await produceWire(topic, values('before', 40), 4);
  const a = member({ groupId, topics: [topic], ...options('a') });
  await waitFor(() => owned(a) === 4, { timeoutMs: 30_000, what: 'the first member to own all 4 partitions' });
  const b = member({ groupId, topics: [topic], ...options('b') });
  await waitFor(() => owned(a) === 2 && owned(b) === 2 && a.consumer.generationId === b.consumer.generationId, { timeoutMs: 30_000, what: 'two members with 2 partitions each' });
  await produceWire(topic, values('shared', 40), 4);
  const all = () => [...a.records, ...b.records].map((r) => r.value);
  await waitFor(() => all().length >= 80, { timeoutMs: 30_000, what: '80 records read by the two' });
  expect(new Set(b.records.map((r) => r.partition)).size).toBe(2);

  await a.close();
  await waitFor(() => owned(b) === 4, { timeoutMs: 30_000, what: 'the member left to own all 4 partitions' });
  await produceWire(topic, values('after', 40), 4);
  await waitFor(() => all().length >= 120, { timeoutMs: 30_000, what: '120 records read' });
  expect(sorted(all())).toEqual(sorted([...values('before', 40), ...values('shared', 40), ...values('after', 40)]));
  expect(a.error ?? b.error).toBeUndefined();
  return { topic, groupId, a, b };
}

describe('two members', () => {
  for (const [name, assignors] of ASSIGNORS) {
    it(`${name}: split the partitions, and the one left takes over a closing member's with nothing lost or read twice`, async () => {
      const { groupId, b } = await splitAndHandOver('group-two', () => ({ assignors }));
      expect((await describeWireGroup(groupId)).members.map((m) => m.memberId)).toEqual([b.consumer.memberId]);
    });
  }
});

// KIP-848 needs Kafka 4.0+; the embedded broker serves it too.
describe('the consumer group protocol (KIP-848)', () => {
  it('the coordinator splits the partitions between two members, and the one left takes over a closing member\'s with nothing lost or read twice', async () => {
    const revokedFromA: number[] = [];
    const { topic, groupId, a, b } = await splitAndHandOver('group-kip848', (name) => ({
      protocol: 'consumer',
      onRevoke: (ps, lost) => void (name === 'a' && !lost && revokedFromA.push(...ps.flatMap((p) => p.partitions))),
    }));
    // The coordinator took 2 partitions from the first member for the second (and the rest when it closed).
    expect(revokedFromA).toHaveLength(4);
    expect(a.consumer.generationId).toBeGreaterThan(0);
    // What each committed on the way: a member started after both reads only what came later.
    await b.close();
    const c = member({ groupId, topics: [topic], protocol: 'consumer' });
    await produceWire(topic, values('late', 8), 4);
    await waitFor(() => c.records.length >= 8, { timeoutMs: 30_000, what: 'a new member to read the 8 late records' });
    expect(sorted(c.records.map((r) => r.value))).toEqual(sorted(values('late', 8)));
  });
});

describe('heartbeats', () => {
  it('keep the member in the group while its processing is held up longer than the session timeout', async () => {
    const topic = await newWireTopic('group-heartbeat', 2);
    const groupId = uniqueName('group-heartbeat');
    await produceWire(topic, values('slow', 10), 2);
    const revoked: string[] = [];
    let held = 0;
    const m = member({ groupId, topics: [topic], sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, onRevoke: (ps) => void revoked.push(JSON.stringify(ps)) }, async () => {
      if (held++ > 0) return;
      // The processing of the first batch takes longer than the session timeout: only
      // heartbeats sent meanwhile keep the member in. (Holding up is what is tested, not a wait.)
      const from = Date.now();
      const beats = m.consumer.heartbeats;
      await waitFor(() => Date.now() - from > 7_000 && m.consumer.heartbeats >= beats + 8, { timeoutMs: 30_000, what: 'the processing to be held up past the session timeout' });
    });
    await waitFor(() => m.records.length >= 10, { timeoutMs: 45_000, what: 'all 10 records after the slow batch' });
    const { generationId, memberId } = m.consumer;
    expect(generationId).toBeGreaterThan(0);
    expect(revoked).toEqual([]);
    const group = await describeWireGroup(groupId);
    expect(group.state).toBe('Stable');
    expect(group.members.map((x) => x.memberId)).toEqual([memberId]);
    expect(m.consumer.generationId).toBe(generationId);
  });
});

describe('a member dropped by the coordinator', () => {
  it('learns it from its heartbeat, gives its partitions up as lost (no commit), rejoins and goes on from the last commit', async () => {
    const topic = await newWireTopic('group-dropped', 2);
    const groupId = uniqueName('group-dropped');
    await produceWire(topic, values('kept', 10), 2);
    const revoked: Array<{ lost: boolean }> = [];
    const m = member({ groupId, topics: [topic], onRevoke: (_ps, lost) => void revoked.push({ lost }) });
    await waitFor(() => m.records.length >= 10, { timeoutMs: 30_000, what: 'the first 10 records' });
    await m.consumer.commit();
    const dropped = m.consumer.memberId;
    await removeGroupMember(groupId, dropped);
    await waitFor(() => m.consumer.memberId !== dropped && owned(m) === 2, { timeoutMs: 30_000, what: 'the member to rejoin under a new id with both partitions' });
    expect(revoked).toEqual([{ lost: true }]);
    await produceWire(topic, values('later', 10), 2);
    await waitFor(() => m.records.length >= 20, { timeoutMs: 30_000, what: '20 records' });
    expect(sorted(m.records.map((r) => r.value))).toEqual(sorted([...values('kept', 10), ...values('later', 10)]));
    expect(m.error).toBeUndefined();
  });
});

describe('interval commits', () => {
  it('commit on their own timer, an idle member too', async () => {
    const topic = await newWireTopic('group-autocommit', 2);
    const groupId = uniqueName('group-autocommit');
    await produceWire(topic, values('auto', 10), 2);
    const m = member({ groupId, topics: [topic], autoCommitIntervalMs: 200 });
    await waitFor(() => m.records.length >= 10, { timeoutMs: 30_000, what: '10 records' });
    await waitFor(async () => {
      const committed = await m.consumer.committed(topic, [0, 1]);
      return committed.get(0) === 5 && committed.get(1) === 5;
    }, { timeoutMs: 10_000, what: 'offsets 5 and 5 committed without a commit() call' });
  });
});
