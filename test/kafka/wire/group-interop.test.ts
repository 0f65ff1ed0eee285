// The wire client's group member in one group with librdkafka (kcat -G) and Java (the
// console consumer) members, on Apache Kafka: the coordinator picks an assignor all
// offer, whichever member leads runs it, they share the partitions, and when the other
// client leaves the firehose member takes its partitions over from its commits: nothing
// lost, and nothing read twice beyond what the leaving member had not committed.
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cooperativeStickyAssignor, rangeAssignor, type Assignor } from '../../../src/kafka/wire/assignors.js';
import { ensureConsoleTools } from '../../support/java-console.js';
import { javaBin } from '../../support/kafka.js';
import { kafkaFromTests, uniqueName } from '../../support/kafka-env.js';
import { KCAT, requireKcat } from '../../support/kcat.js';
import { waitFor } from '../../support/wait.js';
import { describeWireGroup, newWireTopic, produceWire, runGroupMember, type RunningMember } from '../../support/wire-client.js';

const kafka = kafkaFromTests();
const apacheOnly = describe.skipIf(kafka.flavour === 'embedded');

/** A client of another kind running in the group: the values it printed so far. */
interface OtherMember {
  values: string[];
  /** SIGTERM: the client commits and leaves the group as on Ctrl-C; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Collects a child's stdout lines through `parse`, and stops it with SIGTERM. */
function follow(child: ReturnType<typeof execa>, parse: (line: string) => string): OtherMember {
  const member: OtherMember = { values: [], stop: async () => {
    child.kill('SIGTERM');
    await child;
  } };
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line !== '') member.values.push(parse(line));
  });
  return member;
}

let members: RunningMember[] = [];
let others: OtherMember[] = [];

afterEach(async () => {
  await Promise.all(others.map((o) => o.stop()));
  await Promise.all(members.map((m) => m.close()));
  members = [];
  others = [];
});

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
const owned = (m: RunningMember) => m.consumer.assignment().reduce((n, t) => n + t.partitions.length, 0);
const sorted = (list: string[]) => [...list].sort();

/**
 * The scenario both clients go through: firehose alone, then sharing with `start()`'s
 * member, then alone again after it stopped; every value read, repeats only of values the
 * other member read. `protocol` is the assignor the classic group must settle on, or
 * 'consumer' for a KIP-848 group (the coordinator assigns).
 */
async function shareAndHandOver(assignors: Assignor[], start: (topic: string, groupId: string) => OtherMember, protocol: string, first: 'firehose' | 'other'): Promise<void> {
  const topic = await newWireTopic('group-interop', 4);
  const groupId = uniqueName('group-interop');
  await produceWire(topic, values('before', 40), 4);
  // The member that joins first leads the group: it runs the assignor for both.
  let ours: RunningMember;
  let theirs: OtherMember;
  if (first === 'firehose') {
    ours = runGroupMember({ groupId, topics: [topic], assignors, protocol: protocol === 'consumer' ? 'consumer' : 'classic' });
    members.push(ours);
    await waitFor(() => ours.records.length >= 40, { timeoutMs: 30_000, what: 'firehose to read the first 40 records alone' });
    theirs = start(topic, groupId);
    others.push(theirs);
  } else {
    theirs = start(topic, groupId);
    others.push(theirs);
    await waitFor(() => theirs.values.length >= 40, { timeoutMs: 60_000, what: 'the other client to read the first 40 records alone' });
    ours = runGroupMember({ groupId, topics: [topic], assignors, protocol: protocol === 'consumer' ? 'consumer' : 'classic' });
    members.push(ours);
  }
  await waitFor(() => owned(ours) === 2, { timeoutMs: 60_000, what: 'firehose to own 2 of the 4 partitions' });
  if (protocol !== 'consumer') {
    const group = await waitFor(async () => {
      const g = await describeWireGroup(groupId);
      return g.state === 'Stable' && g.members.length === 2 && g.protocol === protocol ? g : undefined;
    }, { timeoutMs: 30_000, what: `a stable group of 2 members on ${protocol}` });
    expect(group.members.map((m) => m.memberId)).toContain(ours.consumer.memberId);
  }

  await produceWire(topic, values('shared', 40), 4);
  const all = () => [...ours.records.map((r) => r.value), ...theirs.values];
  await waitFor(() => new Set(all()).size >= 80, { timeoutMs: 30_000, what: '80 distinct values read by the two' });
  expect(theirs.values.filter((v) => v.startsWith('shared')).length).toBeGreaterThan(0);
  expect(ours.records.filter((r) => r.value.startsWith('shared')).length).toBeGreaterThan(0);

  await theirs.stop();
  others = others.filter((o) => o !== theirs);
  await waitFor(() => owned(ours) === 4, { timeoutMs: 30_000, what: 'firehose to take over all 4 partitions' });
  await produceWire(topic, values('after', 40), 4);
  const expected = [...values('before', 40), ...values('shared', 40), ...values('after', 40)];
  await waitFor(() => new Set(all()).size >= 120, { timeoutMs: 30_000, what: 'all 120 values read' });
  expect(sorted([...new Set(all())])).toEqual(sorted(expected));
  // Read twice: only what the stopped member read and had not committed.
  const ourValues = ours.records.map((r) => r.value);
  const twice = ourValues.filter((v, i) => ourValues.indexOf(v) !== i || theirs.values.includes(v));
  expect(twice.filter((v) => !theirs.values.includes(v))).toEqual([]);
  expect(ours.error).toBeUndefined();
}

apacheOnly('a firehose member with librdkafka (kcat -G)', () => {
  beforeAll(requireKcat);

  it.each(['firehose', 'other'] as const)('range, %s leading: they share the partitions, and firehose takes over when kcat leaves', async (first) => {
    await shareAndHandOver([rangeAssignor, cooperativeStickyAssignor], (topic, groupId) => follow(
      execa(KCAT, ['-b', kafka.bootstrap, '-G', groupId, '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=500',
        '-q', '-u', '-f', '%s\n', topic], { timeout: 120_000, reject: false }),
      (line) => line,
    ), 'range', first);
  });
});

apacheOnly('a firehose member with the Java client (kafka-console-consumer)', () => {
  for (const [protocol, assignors, javaAssignor] of [
    ['range', [rangeAssignor], 'org.apache.kafka.clients.consumer.RangeAssignor'],
    ['cooperative-sticky', [cooperativeStickyAssignor], 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor'],
  ] as const) {
    it.each(['firehose', 'other'] as const)(`${protocol}, %s leading: they share the partitions, and firehose takes over when Java leaves`, async (first) => {
      const tools = await ensureConsoleTools();
      await shareAndHandOver([...assignors], (topic, groupId) => follow(
        // runKafkaTool waits for the end; this one runs until stopped, with the same JVM flags.
        execa(javaBin(), ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${tools.log4jConfig}`,
          '-cp', tools.classpath, tools.consumer, '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--group', groupId, '--from-beginning',
          '--consumer-property', `partition.assignment.strategy=${javaAssignor}`,
          '--consumer-property', 'session.timeout.ms=6000', '--consumer-property', 'heartbeat.interval.ms=500',
          '--property', 'print.partition=true', '--property', 'key.separator=\t'], { timeout: 120_000, reject: false }),
        (line) => line.split('\t').slice(1).join('\t'),
      ), protocol, first);
    });
  }
});

// On both brokers: the embedded broker is a KIP-848 coordinator too.
describe('a firehose member with the Java client, both on the consumer group protocol (KIP-848)', () => {
  it.each(['firehose', 'other'] as const)('%s first: the coordinator splits the partitions, and firehose takes over when Java leaves', async (first) => {
    const tools = await ensureConsoleTools();
    await shareAndHandOver([], (topic, groupId) => follow(
      // group.protocol=consumer: the coordinator's heartbeat interval and assignor (no client-side session or assignor settings).
      execa(javaBin(), ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${tools.log4jConfig}`,
        '-cp', tools.classpath, tools.consumer, '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--group', groupId, '--from-beginning',
        '--consumer-property', 'group.protocol=consumer',
        '--property', 'print.partition=true', '--property', 'key.separator=\t'], { timeout: 120_000, reject: false }),
      (line) => line.split('\t').slice(1).join('\t'),
    ), 'consumer', first);
  });
});
