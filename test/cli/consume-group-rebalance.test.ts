// Two `firehose consume --group` processes share a topic: the group rebalances when
// the second joins (each gets part of the partitions) and again when it leaves (the
// first takes everything over, from the committed offsets). Against both brokers.
import { describe, expect, it } from 'vitest';
import { startInProcess } from '../support/cli.js';
import { jsonLines, newTopic, produce, sorted, type RecordJson } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const PARTITIONS = 4;

/** The partitions of the latest "Assigned <topic> partitions [...]" line on stderr. */
function lastAssignment(stderr: string): number[] | undefined {
  const all = [...stderr.matchAll(/Assigned \S+ partitions \[([\d, ]*)\]/g)];
  const last = all.at(-1)?.[1];
  return last === undefined ? undefined : last.split(',').filter((s) => s.trim() !== '').map(Number);
}

function values(stdout: string): string[] {
  return jsonLines<RecordJson>(stdout).map((r) => r.value as string);
}

describe('consume --group: rebalancing between two consumers', () => {
  it('splits the partitions, hands them all back when one leaves, and loses or repeats nothing', { timeout: 120_000 }, async () => {
    const topic = await newTopic('rebalance', PARTITIONS);
    const group = uniqueName('rebalance-g');
    const argv = ['consume', topic, '--group', group, '--offset-reset', 'earliest', '--format', 'json', '--bootstrap', kafkaFromTests().bootstrap];
    const a = startInProcess(argv);
    const b = startInProcess(argv);
    try {
      // Both members in one generation: their latest assignments split the partitions.
      await waitFor(() => {
        const [pa, pb] = [lastAssignment(a.output.stderr), lastAssignment(b.output.stderr)];
        return pa && pb && pa.length > 0 && pb.length > 0 && pa.length + pb.length === PARTITIONS && sorted([...pa, ...pb]).join() === '0,1,2,3';
      }, { timeoutMs: 60_000, what: `both consumers assigned (a: ${a.output.stderr} b: ${b.output.stderr})` });

      const first = Array.from({ length: 100 }, (_, i) => `first-${i}`);
      // Keyed, so the records spread over every partition (keyless ones stick to one per batch).
      await produce(topic, first.map((v) => `${v}:${v}`), ['--key-separator', ':']);
      await waitFor(() => values(a.output.stdout).length + values(b.output.stdout).length >= 100, { timeoutMs: 30_000, what: 'the first 100 records' });
      expect(values(a.output.stdout).length).toBeGreaterThan(0);
      expect(values(b.output.stdout).length).toBeGreaterThan(0);

      expect(await b.stop()).toBe(130);
      expect(b.output.stderr).toMatch(/offsets committed for group/);
      await waitFor(() => lastAssignment(a.output.stderr)?.length === PARTITIONS, { timeoutMs: 60_000, what: `consumer a takes over every partition (${a.output.stderr})` });

      const second = Array.from({ length: 100 }, (_, i) => `second-${i}`);
      await produce(topic, second.map((v) => `${v}:${v}`), ['--key-separator', ':']);
      await waitFor(() => values(a.output.stdout).filter((v) => v.startsWith('second-')).length >= 100, { timeoutMs: 30_000, what: 'the second 100 records at consumer a' });
      const everything = [...values(a.output.stdout), ...values(b.output.stdout)];
      expect(sorted(everything)).toEqual(sorted([...first, ...second]));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
