// KIP-848 consumer groups (group.protocol=consumer) with Java's own console consumer and
// kafka-consumer-groups, on both brokers: two Java members share a topic's partitions and,
// when one leaves, the other takes its partitions over with nothing lost; firehose's
// `consume --group-protocol consumer` shares a group with a Java member the same way; and
// kafka-consumer-groups --describe shows the group as Kafka 4.x's coordinator describes it.
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.js';
import { ensureConsoleTools, runKafkaTool, type ConsoleTools } from '../support/java-console.js';
import { javaBin } from '../support/kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';
import { newWireTopic, produceWire } from '../support/wire-client.js';

const kafka = kafkaFromTests();

/** A member running until stopped: the values it printed so far. */
interface Member {
  values: string[];
  /** SIGTERM (SIGINT for firehose): it commits and leaves the group; resolves once it has exited. */
  stop(): Promise<void>;
}

let running: Member[] = [];
let tools: ConsoleTools;

beforeAll(async () => {
  tools = await ensureConsoleTools();
});

afterEach(async () => {
  await Promise.all(running.map((m) => m.stop()));
  running = [];
});

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
const sorted = (list: string[]) => [...list].sort();

function lines(onLine: (line: string) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const all = (partial + chunk.toString('utf8')).split('\n');
    partial = all.pop()!;
    for (const line of all) if (line !== '') onLine(line);
  };
}

/**
 * Java's console consumer on the consumer group protocol (the coordinator assigns and sets the
 * heartbeat interval), or with `classic` on the classic protocol (its default assignors, range
 * and cooperative-sticky, with a short session so the test runs quickly).
 */
function javaMember(topic: string, group: string, protocol: 'consumer' | 'classic' = 'consumer'): Member {
  const properties = protocol === 'consumer'
    ? ['--consumer-property', 'group.protocol=consumer']
    : ['--consumer-property', 'group.protocol=classic', '--consumer-property', 'session.timeout.ms=6000', '--consumer-property', 'heartbeat.interval.ms=500'];
  const child = execa(javaBin(), ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${tools.log4jConfig}`,
    '-cp', tools.classpath, tools.consumer, '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--group', group, '--from-beginning',
    ...properties], { timeout: 150_000, reject: false });
  const member: Member = { values: [], stop: async () => {
    child.kill('SIGTERM');
    await child;
    running = running.filter((m) => m !== member);
  } };
  child.stdout!.on('data', lines((line) => member.values.push(line)));
  running.push(member);
  return member;
}

/** The built CLI: `firehose consume --group-protocol consumer`, values one per line. */
function firehoseMember(topic: string, group: string): Member {
  const { child } = startCli(['consume', topic, '--group', group, '--group-protocol', 'consumer', '--from-beginning', '--bootstrap', kafka.bootstrap]);
  const member: Member = { values: [], stop: async () => {
    child.kill('SIGINT');
    await child;
    running = running.filter((m) => m !== member);
  } };
  child.stdout!.on('data', lines((line) => member.values.push(line)));
  running.push(member);
  return member;
}

/** One table of kafka-consumer-groups --describe: its rows by column name (the header's). */
async function describeTable(group: string, extra: string[]): Promise<{ rows: Array<Record<string, string>>; output: string }> {
  const result = await runKafkaTool(tools, tools.consumerGroups, ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group, ...extra]);
  const output = `${result.stdout}\n${result.stderr}`;
  const all = result.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const headerAt = all.findIndex((l) => l.startsWith('GROUP '));
  if (headerAt < 0) return { rows: [], output };
  const header = all[headerAt]!.split(/\s+/);
  const rows = all.slice(headerAt + 1).map((l) => {
    const cells = l.split(/\s+/);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
  return { rows, output };
}

/** kafka-consumer-groups --describe --members, once the group has `n` members with `each` partitions each. */
async function membersOnce(group: string, n: number, each: number): Promise<Array<Record<string, string>>> {
  let last = '';
  try {
    return await waitFor(async () => {
      const { rows, output } = await describeTable(group, ['--members']);
      last = output;
      return rows.length === n && rows.every((r) => r['#PARTITIONS'] === String(each)) ? rows : undefined;
    }, { timeoutMs: 60_000, what: `kafka-consumer-groups to show ${n} members of ${group} with ${each} partitions each` });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last output:\n${last}`);
  }
}


/**
 * The two members of `group` (40 "before" values read already) both read some of 40 new ones;
 * then `classic` stops, `modern` takes all 4 partitions and reads the next 40 alone: every
 * value read, none lost.
 */
async function shareThenHandOver(topic: string, group: string, modern: { values: string[] }, classic: { values: string[]; stop(): Promise<unknown> }): Promise<void> {
  await produceWire(topic, values('shared', 40), 4);
  const all = () => [...modern.values, ...classic.values];
  await waitFor(() => new Set(all()).size >= 80, { timeoutMs: 60_000, what: '80 distinct values read by the two' });
  expect(classic.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);
  expect(modern.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);

  await classic.stop();
  await membersOnce(group, 1, 4);
  await produceWire(topic, values('after', 40), 4);
  await waitFor(() => new Set(all()).size >= 120, { timeoutMs: 60_000, what: 'all 120 values read' });
  expect(sorted([...new Set(all())])).toEqual(sorted([...values('before', 40), ...values('shared', 40), ...values('after', 40)]));
  expect(sorted(modern.values.filter((v) => v.startsWith('after')))).toEqual(sorted(values('after', 40)));
}

describe('Java consumers with group.protocol=consumer (KIP-848)', () => {
  it('two share a topic\'s partitions, kafka-consumer-groups describes them, and when one leaves the other takes its partitions with nothing lost', { timeout: 180_000 }, async () => {
    const topic = await newWireTopic('kip848-java', 4);
    const group = uniqueName('kip848-java');
    await produceWire(topic, values('before', 40), 4);
    const a = javaMember(topic, group);
    await waitFor(() => a.values.length >= 40, { timeoutMs: 60_000, what: 'the first Java member to read the first 40 records alone' });
    const b = javaMember(topic, group);

    const members = await membersOnce(group, 2, 2);
    expect(members.map((m) => m['CLIENT-ID'])).toEqual(['console-consumer', 'console-consumer']);
    expect(new Set(members.map((m) => m['CONSUMER-ID'])).size).toBe(2);
    const state = await describeTable(group, ['--state']);
    expect(state.rows, state.output).toHaveLength(1);
    expect(state.rows[0], state.output).toMatchObject({ 'ASSIGNMENT-STRATEGY': 'uniform', STATE: 'Stable', '#MEMBERS': '2' });

    await produceWire(topic, values('shared', 40), 4);
    const all = () => [...a.values, ...b.values];
    await waitFor(() => new Set(all()).size >= 80, { timeoutMs: 60_000, what: '80 distinct values read by the two' });
    expect(a.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);
    expect(b.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);
    // Each partition is read by one member at a time: nothing read twice while both run.
    expect(all()).toHaveLength(new Set(all()).size);
    // The offsets table names, for every partition, the member that owns it.
    const offsets = await describeTable(group, []);
    expect(offsets.rows.map((r) => r.PARTITION).sort(), offsets.output).toEqual(['0', '1', '2', '3']);
    expect(new Set(offsets.rows.map((r) => r['CONSUMER-ID'])), offsets.output).toEqual(new Set(members.map((m) => m['CONSUMER-ID'])));

    await b.stop();
    await membersOnce(group, 1, 4);
    await produceWire(topic, values('after', 40), 4);
    await waitFor(() => new Set(all()).size >= 120, { timeoutMs: 60_000, what: 'all 120 values read' });
    expect(sorted([...new Set(all())])).toEqual(sorted([...values('before', 40), ...values('shared', 40), ...values('after', 40)]));
    expect(sorted(a.values.filter((v) => v.startsWith('after')))).toEqual(sorted(values('after', 40)));
  });

  it('a classic Java member joins the consumer group (Kafka 4.x mixes them): they share the partitions, and the KIP-848 member takes them back when it leaves', { timeout: 180_000 }, async () => {
    const topic = await newWireTopic('kip848-classic', 4);
    const group = uniqueName('kip848-classic');
    await produceWire(topic, values('before', 40), 4);
    const modern = javaMember(topic, group);
    await waitFor(() => modern.values.length >= 40, { timeoutMs: 60_000, what: 'the KIP-848 member to read the first 40 records alone' });
    const classic = javaMember(topic, group, 'classic');
    await membersOnce(group, 2, 2);
    const state = await describeTable(group, ['--state']);
    expect(state.rows[0], state.output).toMatchObject({ STATE: 'Stable', '#MEMBERS': '2' });

    await shareThenHandOver(topic, group, modern, classic);
  });

  it('when the last KIP-848 member leaves, the group goes back to classic (the online downgrade): the classic member takes every partition through its own assignor', { timeout: 180_000 }, async () => {
    const topic = await newWireTopic('kip848-downgrade', 4);
    const group = uniqueName('kip848-downgrade');
    await produceWire(topic, values('before', 40), 4);
    const modern = javaMember(topic, group);
    await waitFor(() => modern.values.length >= 40, { timeoutMs: 60_000, what: 'the KIP-848 member to read the first 40 records alone' });
    const classic = javaMember(topic, group, 'classic');
    await membersOnce(group, 2, 2);

    // Roles swapped: the KIP-848 member stops, the classic one takes everything.
    await shareThenHandOver(topic, group, classic, modern);
    // A classic group again: its strategy is the Java member's assignor (range), not the coordinator's (uniform).
    const state = await describeTable(group, ['--state']);
    expect(state.rows[0], state.output).toMatchObject({ 'ASSIGNMENT-STRATEGY': 'range', STATE: 'Stable', '#MEMBERS': '1' });
  });

  it('a KIP-848 Java member joins a running classic group (the online upgrade): they share the partitions, and it takes them all when the classic member leaves', { timeout: 180_000 }, async () => {
    const topic = await newWireTopic('kip848-upgrade', 4);
    const group = uniqueName('kip848-upgrade');
    await produceWire(topic, values('before', 40), 4);
    const classic = javaMember(topic, group, 'classic');
    await waitFor(() => classic.values.length >= 40, { timeoutMs: 60_000, what: 'the classic member to read the first 40 records alone' });
    const modern = javaMember(topic, group);
    await membersOnce(group, 2, 2);

    await shareThenHandOver(topic, group, modern, classic);
  });

  it('firehose consume --group-protocol consumer shares the group with a Java member and reads everything once Java leaves', { timeout: 180_000 }, async () => {
    const topic = await newWireTopic('kip848-mixed', 4);
    const group = uniqueName('kip848-mixed');
    await produceWire(topic, values('before', 40), 4);
    const java = javaMember(topic, group);
    await waitFor(() => java.values.length >= 40, { timeoutMs: 60_000, what: 'the Java member to read the first 40 records alone' });
    const ours = firehoseMember(topic, group);

    const members = await membersOnce(group, 2, 2);
    expect(members.map((m) => m['CLIENT-ID']).sort()).toEqual(['console-consumer', 'firehose']);

    await produceWire(topic, values('shared', 40), 4);
    const all = () => [...java.values, ...ours.values];
    await waitFor(() => new Set(all()).size >= 80, { timeoutMs: 60_000, what: '80 distinct values read by the two' });
    expect(ours.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);
    expect(java.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);

    await java.stop();
    await membersOnce(group, 1, 4);
    await produceWire(topic, values('after', 40), 4);
    await waitFor(() => ours.values.filter((v) => v.startsWith('after')).length >= 40, { timeoutMs: 60_000, what: 'firehose to read the 40 later records' });
    expect(sorted([...new Set(all())])).toEqual(sorted([...values('before', 40), ...values('shared', 40), ...values('after', 40)]));
    // firehose read nothing Java had read (Java commits when it stops) and nothing twice.
    expect(ours.values.filter((v) => java.values.includes(v))).toEqual([]);
    expect(ours.values).toHaveLength(new Set(ours.values).size);
  });
});
