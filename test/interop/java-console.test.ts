// Interop with Apache Kafka's own console clients (the Java kafka-clients library), run from
// the jars the harness fetches, once per client version (4.x and 3.9): keyed lines through
// kafka-console-producer come back unchanged through kafka-console-consumer, and the
// consumer group's committed offsets decide what a later run of the same group reads.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk, firehose, lines, newTopic, produce, sorted } from '../support/cli-kafka.js';
import { startInProcess } from '../support/cli.js';
import { waitFor } from '../support/wait.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { CONSOLE_TOOLS_VERSIONS, ensureConsoleTools, runKafkaTool, type ConsoleTools } from '../support/java-console.js';

const kafka = kafkaFromTests();

interface ConsoleRecord { partition: number; offset: number; key: string; value: string }

/** Between the printed fields; no test value contains a tab. */
const SEP = '\t';

async function consoleProduce(tools: ConsoleTools, topic: string, keyed: Array<[string, string]>): Promise<void> {
  const result = await runKafkaTool(tools, tools.producer, ['--bootstrap-server', kafka.bootstrap, '--topic', topic,
    '--property', 'parse.key=true', '--property', 'key.separator=:'],
  { input: keyed.map(([k, v]) => `${k}:${v}\n`).join('') });
  expect(result.exitCode, `console producer stderr: ${result.stderr}`).toBe(0);
}

/** One run of the console consumer in `group`; returns the records it printed and its stderr. */
async function consoleConsume(tools: ConsoleTools, topic: string, group: string, limit: string[]): Promise<{ records: ConsoleRecord[]; stderr: string }> {
  const result = await runKafkaTool(tools, tools.consumer, ['--bootstrap-server', kafka.bootstrap, '--topic', topic,
    '--group', group, '--from-beginning', ...limit,
    '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.key=true',
    '--property', `key.separator=${SEP}`]);
  expect(result.exitCode, `console consumer stderr: ${result.stderr}`).toBe(0);
  const records = result.stdout.split('\n').filter((line) => line !== '').map((line): ConsoleRecord => {
    const [partition, offset, key, ...value] = line.split(SEP);
    expect(partition, line).toMatch(/^Partition:\d+$/);
    expect(offset, line).toMatch(/^Offset:\d+$/);
    return { partition: Number(partition!.slice('Partition:'.length)), offset: Number(offset!.slice('Offset:'.length)), key: key!, value: value.join(SEP) };
  });
  return { records, stderr: result.stderr };
}

/** partition → committed offset and log end offset, from kafka-consumer-groups --describe. */
async function groupOffsets(tools: ConsoleTools, group: string, topic: string): Promise<Map<number, { committed: number; end: number }>> {
  const result = await runKafkaTool(tools, tools.consumerGroups, ['--bootstrap-server', kafka.bootstrap, '--describe', '--group', group, '--offsets']);
  expect(result.exitCode, `consumer-groups stderr: ${result.stderr}`).toBe(0);
  const offsets = new Map<number, { committed: number; end: number }>();
  for (const line of result.stdout.split('\n')) {
    const [g, t, partition, committed, end] = line.trim().split(/\s+/);
    if (g === group && t === topic) offsets.set(Number(partition), { committed: Number(committed), end: Number(end) });
  }
  return offsets;
}

/** Each partition's offsets start at 0 and have no gaps: every record was read exactly once. */
function expectWholePartitions(records: ConsoleRecord[]): void {
  const byPartition = new Map<number, number[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
  for (const [partition, offsets] of byPartition) {
    expect(offsets, `offsets of partition ${partition}`).toEqual(offsets.map((_, i) => i));
  }
}

const asText = (r: { key: string; value: string }) => `${r.key}=${r.value}`;

describe.each(CONSOLE_TOOLS_VERSIONS)('Kafka %s console producer and consumer (Java client)', (version) => {
  let tools: ConsoleTools;

  beforeAll(async () => {
    tools = await ensureConsoleTools(version);
  });

  it('keyed lines round-trip; the group commits, reads nothing twice, then exactly the new records', { timeout: 120_000 }, async () => {
    const topic = await newTopic('java-console', 3);
    const group = uniqueName('java-console');
    const first: Array<[string, string]> = [
      ['k1', 'plain'], ['k2', 'héllo wörld ✓'], ['k3', 'a:b:c'], ['k4', '{ "message": "Sending Message: 3" }'],
      ['k5', 'a|b'], ['k6', '日本語'], ['k1', 'same key again'], ['k7', '  spaced  '],
      ...Array.from({ length: 12 }, (_, i): [string, string] => [`key-${i}`, `value ${i}`]),
    ];
    await consoleProduce(tools, topic, first);

    const read = await consoleConsume(tools, topic, group, ['--max-messages', String(first.length), '--timeout-ms', '30000']);
    expect(sorted(read.records.map(asText))).toEqual(sorted(first.map(([key, value]) => asText({ key, value }))));
    expectWholePartitions(read.records);
    // The default partitioner keeps one key on one partition.
    const k1 = read.records.filter((r) => r.key === 'k1');
    expect(k1.map((r) => r.value)).toEqual(['plain', 'same key again']);
    expect(k1[0]!.partition).toBe(k1[1]!.partition);
    expect(read.stderr).toContain(`Processed a total of ${first.length} messages`);

    // What the group committed on exit: every partition up to its end.
    const committed = await groupOffsets(tools, group, topic);
    expect([...committed.keys()].sort()).toEqual([0, 1, 2]);
    for (const [partition, { committed: at, end }] of committed) expect(at, `partition ${partition}`).toBe(end);
    expect([...committed.values()].reduce((n, o) => n + o.committed, 0)).toBe(first.length);

    // Same group again: --from-beginning only applies without committed offsets, so nothing.
    const again = await consoleConsume(tools, topic, group, ['--timeout-ms', '5000']);
    expect(again.records).toEqual([]);
    expect(again.stderr).toContain('Processed a total of 0 messages');

    const more: Array<[string, string]> = [['m1', 'more one'], ['m2', 'more two'], ['m3', 'more ✓ three']];
    await consoleProduce(tools, topic, more);
    const next = await consoleConsume(tools, topic, group, ['--max-messages', String(more.length), '--timeout-ms', '30000']);
    expect(sorted(next.records.map(asText))).toEqual(sorted(more.map(([key, value]) => asText({ key, value }))));
    for (const r of next.records) {
      expect(r.offset, `m-record on partition ${r.partition}`).toBeGreaterThanOrEqual(committed.get(r.partition)!.end);
    }
  });
});

describe('kafka-consumer-groups --delete-offsets (OffsetDelete)', () => {
  it('is refused while a member reads the topic and for an unknown group, then removes the offsets of the emptied group', { timeout: 120_000 }, async () => {
    const tools = await ensureConsoleTools();
    const topic = await newTopic('delete-offsets', 2);
    await produce(topic, ['a', 'b', 'c']);
    const group = uniqueName('delete-offsets');
    expectOk(await firehose(['consume', topic, '-g', group, '--offset-reset', 'earliest', '-e']));
    const deleteOffsets = async (groupId: string) => {
      const result = await runKafkaTool(tools, tools.consumerGroups, ['--bootstrap-server', kafka.bootstrap, '--delete-offsets', '--group', groupId, '--topic', topic]);
      expect(result.exitCode, `consumer-groups stderr: ${result.stderr}`).toBe(0);
      // The per-partition rows, their columns' padding collapsed.
      return result.stdout.split('\n').filter((line) => line.startsWith(topic)).map((line) => line.replace(/\s+/g, ' ').trim());
    };

    const member = startInProcess(['consume', topic, '-g', group, '--bootstrap', kafka.bootstrap]);
    try {
      await waitFor(() => member.output.stderr.includes('Assigned'), { timeoutMs: 30_000, what: 'the member to be assigned its partitions' });
      const refused = 'Error: org.apache.kafka.common.errors.GroupSubscribedToTopicException: Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.';
      expect(await deleteOffsets(group)).toEqual([`${topic} 0 ${refused}`, `${topic} 1 ${refused}`]);
    } finally {
      // Stopped as by Ctrl-C.
      expect(await member.stop()).toBe(130);
    }
    const notFound = 'Error: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.';
    expect(await deleteOffsets(uniqueName('no-such-group'))).toEqual([`${topic} 0 ${notFound}`, `${topic} 1 ${notFound}`]);
    expect(await deleteOffsets(group)).toEqual([`${topic} 0 Successful`, `${topic} 1 Successful`]);
    expect((await groupOffsets(tools, group, topic)).size).toBe(0);
    // With its offsets gone the group starts over from its reset policy.
    const again = expectOk(await firehose(['consume', topic, '-g', group, '--offset-reset', 'earliest', '-e']));
    expect(sorted(lines(again.stdout))).toEqual(['a', 'b', 'c']);
  });
});
