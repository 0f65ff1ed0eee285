// groups list/describe/reset-offsets/delete-offsets after real consumes. The topic has two partitions with
// all ten records on partition 0, so committed offsets and lag are exact numbers. A member
// commits its position on every partition it owns, as Java's consumer does: the empty
// partition 1 is committed at 0, so records written there later are read by the next run.
import { PassThrough, Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { GroupDescription, GroupSummary, OffsetResetRow } from '../../src/kafka/groups.js';
import { cleanEnv, startInProcess } from '../support/cli.js';
import { expectOk, firehose, lines, newTopic, produce } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const VALUES = Array.from({ length: 10 }, (_, i) => `record-${i}`);
let topic: string;

async function describeGroup(group: string): Promise<GroupDescription> {
  return JSON.parse(expectOk(await firehose(['groups', 'describe', group, '--output', 'json'])).stdout) as GroupDescription;
}

/** A group that read (and committed) the first `count` records of partition 0. */
async function groupThatRead(count: number): Promise<string> {
  const group = uniqueName('group');
  const result = expectOk(await firehose(['consume', topic, '--group', group, '--from-beginning', '--max-messages', String(count)]));
  expect(lines(result.stdout)).toEqual(VALUES.slice(0, count));
  return group;
}

beforeAll(async () => {
  topic = await newTopic('groups', 2);
  await produce(topic, VALUES, ['--partition', '0']);
});

describe('groups describe', () => {
  it('shows committed offsets, ends and lag of an idle group (JSON and text)', async () => {
    const group = await groupThatRead(4);
    expect(await describeGroup(group)).toEqual({
      groupId: group,
      state: 'Empty',
      protocolType: 'consumer',
      protocol: '',
      members: [],
      offsets: [
        { topic, partition: 0, committed: '4', end: '10', lag: 6 },
        { topic, partition: 1, committed: '0', end: '0', lag: 0 },
      ],
      totalLag: 6,
    });

    const text = expectOk(await firehose(['groups', 'describe', group]));
    expect(text.stdout).toMatch(new RegExp(`^Group ${group}: Empty, 0 members, total lag 6$`, 'm'));
    expect(text.stdout).toMatch(/^TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+MEMBER$/m);
    expect(text.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+4\\s+10\\s+6\\s+-$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^${topic}\\s+1\\s+0\\s+0\\s+0\\s+-$`, 'm'));
  });

  it('consume --group-protocol consumer (KIP-848): the coordinator assigns; groups describe shows the member, its partitions and the assignor', async () => {
    const group = uniqueName('kip848');
    const stdout = new PassThrough();
    const printed: string[] = [];
    stdout.on('data', (chunk: Buffer) => printed.push(...chunk.toString().split('\n').filter((l) => l !== '')));
    const controller = new AbortController();
    const consuming = run(['consume', topic, '--group', group, '--group-protocol', 'consumer', '--from-beginning', '--bootstrap', kafkaFromTests().bootstrap], {
      env: cleanEnv(), stdin: Readable.from([]), stdout, stderr: new PassThrough().resume(), signal: controller.signal,
    });
    try {
      const live = await waitFor(async () => {
        const d = await describeGroup(group).catch(() => undefined);
        return d?.state === 'Stable' && d.offsets.find((o) => o.partition === 0)?.committed === '10' ? d : undefined;
      }, { timeoutMs: 30_000, what: `group ${group} to be Stable with everything committed` });
      expect(live).toMatchObject({ protocolType: 'consumer', protocol: 'uniform' });
      expect(live.members).toHaveLength(1);
      expect(live.members[0]).toMatchObject({ clientId: 'firehose', assignments: { [topic]: [0, 1] } });
      expect(printed).toEqual(VALUES);
    } finally {
      controller.abort();
      expect(await consuming).toBe(130);
    }
    // It left the group on Ctrl-C, its offsets stay.
    const after = await describeGroup(group);
    expect(after).toMatchObject({ state: 'Empty', members: [] });
    expect(after.offsets.find((o) => o.partition === 0)?.committed).toBe('10');
  });

  it('--group-protocol takes classic or consumer', async () => {
    const result = await firehose(['consume', topic, '--group', 'g', '--group-protocol', 'eager']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--group-protocol must be classic or consumer, not "eager"/);
  });

  it('shows the running member and its partitions while a consume runs', async () => {
    const group = uniqueName('live');
    const stdout = new PassThrough().resume();
    const stderr = new PassThrough().resume();
    const controller = new AbortController();
    const consuming = run(['consume', topic, '--group', group, '--from-beginning', '--bootstrap', kafkaFromTests().bootstrap], {
      env: cleanEnv(), stdin: Readable.from([]), stdout, stderr, signal: controller.signal,
    });
    try {
      const live = await waitFor(async () => {
        const d = await describeGroup(group).catch(() => undefined);
        return d?.state === 'Stable' && d.offsets.find((o) => o.partition === 0)?.committed === '10' ? d : undefined;
      }, { timeoutMs: 30_000, what: `group ${group} to be Stable with everything committed` });
      expect(live.members).toHaveLength(1);
      expect(live.members[0]).toMatchObject({ clientId: 'firehose', assignments: { [topic]: [0, 1] } });
      expect(live.totalLag).toBe(0);

      const text = expectOk(await firehose(['groups', 'describe', group]));
      expect(text.stdout).toMatch(new RegExp(`^Group ${group}: Stable, 1 member, total lag 0$`, 'm'));
      expect(text.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+10\\s+10\\s+0\\s+firehose `, 'm'));

      // Kafka moves offsets only for an idle group.
      const reset = await firehose(['groups', 'reset-offsets', group, '--to', 'earliest', '--execute']);
      expect(reset.code).toBe(1);
      expect(reset.stderr).toMatch(new RegExp(`^error: Consumer group ${group} has active members \\(state Stable\\)`, 'm'));
    } finally {
      controller.abort();
      expect(await consuming).toBe(130);
    }
  });

  it('names a group that does not exist', async () => {
    const group = uniqueName('nobody');
    const result = await firehose(['groups', 'describe', group]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: Consumer group ${group} does not exist (no members, no committed offsets).`);
  });
});

describe('groups list', () => {
  it('lists groups with state and type (text and JSON)', async () => {
    const group = await groupThatRead(1);
    const json = JSON.parse(expectOk(await firehose(['groups', 'list', '--output', 'json'])).stdout) as GroupSummary[];
    expect(json).toContainEqual({ groupId: group, protocolType: 'consumer', state: 'Empty' });

    const text = expectOk(await firehose(['groups']));
    expect(text.stdout).toMatch(/^GROUP\s+STATE\s+TYPE$/m);
    expect(text.stdout).toMatch(new RegExp(`^${group}\\s+Empty\\s+consumer$`, 'm'));
  });
});

describe('groups reset-offsets', () => {
  it('prints the plan without changing anything, then applies it with --execute', async () => {
    const group = await groupThatRead(4);
    const expectedRows: OffsetResetRow[] = [
      { topic, partition: 0, current: '4', target: '0' },
      { topic, partition: 1, current: '0', target: '0' },
    ];

    const plan = expectOk(await firehose(['groups', 'reset-offsets', group, '--to', 'earliest', '--output', 'json']));
    expect(JSON.parse(plan.stdout)).toEqual({ groupId: group, executed: false, rows: expectedRows });
    const planText = expectOk(await firehose(['groups', 'reset-offsets', group, '--to', 'earliest']));
    expect(planText.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+4\\s+0$`, 'm'));
    expect(planText.stderr).toBe('Plan only: nothing changed. Add --execute to apply it.\n');
    expect((await describeGroup(group)).totalLag).toBe(6);

    const executed = expectOk(await firehose(['groups', 'reset-offsets', group, '--to', 'earliest', '--execute', '--output', 'json']));
    expect(JSON.parse(executed.stdout)).toEqual({ groupId: group, executed: true, rows: expectedRows });
    const after = await describeGroup(group);
    expect(after.offsets.map((o) => [o.partition, o.committed, o.lag])).toEqual([[0, '0', 10], [1, '0', 0]]);
    expect(after.totalLag).toBe(10);

    // The group really starts over: it reads record-0 again.
    const again = expectOk(await firehose(['consume', topic, '--group', group, '--max-messages', '1']));
    expect(again.stdout).toBe('record-0\n');
  });

  it('moves to an exact offset and tells the text-mode user it did', async () => {
    const group = await groupThatRead(2);
    const result = expectOk(await firehose(['groups', 'reset-offsets', group, '--topic', topic, '--to', '7', '--execute']));
    expect(result.stderr).toBe(`Offsets of group ${group} reset.\n`);
    expect(result.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+2\\s+7$`, 'm'));
    expect((await describeGroup(group)).offsets.find((o) => o.partition === 0)).toEqual({ topic, partition: 0, committed: '7', end: '10', lag: 3 });
  });

  it('rejects a target it cannot read', async () => {
    const result = await firehose(['groups', 'reset-offsets', uniqueName('g'), '--to', 'yesterday']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: "yesterday" is not an offset reset target.');
  });
});

describe('groups delete-offsets', () => {
  it('deletes the committed offsets of a partition, then of the whole topic; the group starts over from its reset policy', async () => {
    const group = await groupThatRead(4);
    const one = expectOk(await firehose(['groups', 'delete-offsets', group, '--topic', topic, '-p', '0', '--output', 'json']));
    expect(JSON.parse(one.stdout)).toEqual({ groupId: group, rows: [{ topic, partition: 0, committed: '4' }] });
    // Partition 1 keeps its commit (0); partition 0 has none now.
    expect((await describeGroup(group)).offsets.filter((o) => o.committed !== null).map((o) => o.partition)).toEqual([1]);

    const all = expectOk(await firehose(['groups', 'delete-offsets', group, '-t', topic]));
    expect(all.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+-$`, 'm'));
    expect(all.stdout).toMatch(new RegExp(`^${topic}\\s+1\\s+0$`, 'm'));
    expect(all.stderr).toBe(`Offsets of group ${group} on ${topic} deleted: it starts there from its reset policy.\n`);
    const again = expectOk(await firehose(['consume', topic, '--group', group, '--offset-reset', 'earliest', '--max-messages', '1']));
    expect(again.stdout).toBe('record-0\n');
  });

  it('is refused while a member reads the topic, for a group that does not exist and for a partition the topic lacks', async () => {
    const group = uniqueName('reading');
    const member = startInProcess(['consume', topic, '--group', group, '--from-beginning', '--bootstrap', kafkaFromTests().bootstrap]);
    try {
      await waitFor(() => member.output.stderr.includes('Assigned'), { timeoutMs: 30_000, what: 'the member to be assigned its partitions' });
      const refused = await firehose(['groups', 'delete-offsets', group, '--topic', topic]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`error: Consumer group ${group} has members reading ${topic}; Kafka only deletes the offsets of a topic no member subscribes to.`);
    } finally {
      expect(await member.stop()).toBe(130);
    }
    const nobody = uniqueName('nobody');
    const missing = await firehose(['groups', 'delete-offsets', nobody, '--topic', topic]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: Consumer group ${nobody} does not exist (no members, no committed offsets).`);
    const badPartition = await firehose(['groups', 'delete-offsets', group, '--topic', topic, '-p', '5']);
    expect(badPartition.code).toBe(2);
    expect(badPartition.stderr).toContain(`error: Topic ${topic} has partitions 0..1; there is no partition 5.`);
  });
});
