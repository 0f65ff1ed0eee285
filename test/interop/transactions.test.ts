// Transactions with clients nobody here wrote, with the same expectations on Apache Kafka and
// on the embedded broker: confluent-kafka's transactional producer (librdkafka) commits one
// transaction and aborts another, read_committed consumers (librdkafka and Java's console
// consumer) see only the committed records and read_uncommitted ones see both; a second
// producer with the same transactional.id fences the first; and two exactly-once
// consume-transform-produce loops (confluent-kafka's send_offsets_to_transaction, with a
// copier that dies mid-transaction, and Java's TransactionalMessageCopier with random aborts)
// copy every record exactly once; kafka-transactions lists and describes an open transaction.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, firehose, lines, newTopic, produce } from '../support/cli-kafka.js';
import { ensureConsoleTools, runKafkaTool, type ConsoleTools } from '../support/java-console.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { ensurePythonVenv, runPython, stopPythonScripts } from '../support/python.js';

const kafka = kafkaFromTests();
const SCRIPT = 'transactions.py';
/** The script gives up on its own after this (exit 2), inside the test's timeout. */
const DEADLINE = ['--timeout', '40'];
const TEST_TIMEOUT_MS = 120_000;

let tools: ConsoleTools;

beforeAll(async () => {
  await ensurePythonVenv();
  tools = await ensureConsoleTools();
});

afterEach(stopPythonScripts);

interface PyRecord { offset: number; value: string | null }

async function py(args: string[]) {
  const result = await runPython(SCRIPT, [...args, ...DEADLINE], kafka.bootstrap, { timeoutMs: 60_000 });
  expect(result.exitCode, `${SCRIPT} ${args.join(' ')} stderr: ${result.stderr}`).toBe(0);
  return result;
}

/** Every record of partition 0, read to its end by librdkafka at the isolation level. */
async function pyRead(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<PyRecord[]> {
  const result = await py(['read', topic, '--isolation', isolation]);
  return result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as PyRecord);
}

const valuesOf = (records: PyRecord[]) => records.map((r) => r.value);

/** Values Java's console consumer reads from the beginning at the isolation level, until `count` arrived. */
async function javaRead(topic: string, isolation: 'read_committed' | 'read_uncommitted', count: number): Promise<string[]> {
  const result = await runKafkaTool(tools, tools.consumer, [
    '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--from-beginning', '--isolation-level', isolation,
    '--max-messages', String(count), '--timeout-ms', '20000',
  ]);
  expect(result.exitCode, `console consumer stderr: ${result.stderr}`).toBe(0);
  return result.stdout.split('\n').filter((line) => line !== '');
}

describe(`transactions (${kafka.flavour} broker)`, () => {
  it('confluent-kafka commits one transaction and aborts another: read_committed sees only the committed records, read_uncommitted both', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('tx-commit-abort', 1);
    const run = await py(['produce', topic, '--txn-id', uniqueName('tx'), '--commit', 'c1,c2', '--abort', 'a1,a2']);
    expect(run.stderr).toMatch(/^committed$[\s\S]*^aborted$/m);

    const committed = await pyRead(topic, 'read_committed');
    expect(committed.map((r) => [r.offset, r.value])).toEqual([[0, 'c1'], [1, 'c2']]);
    // Offset 2 is the COMMIT marker, which no consumer shows.
    expect((await pyRead(topic, 'read_uncommitted')).map((r) => [r.offset, r.value])).toEqual([[0, 'c1'], [1, 'c2'], [3, 'a1'], [4, 'a2']]);
    // Java's consumer agrees; it stops after the record count, so read_committed asks for one
    // more than it should get and must time out with only the committed two.
    expect(await javaRead(topic, 'read_uncommitted', 4)).toEqual(['c1', 'c2', 'a1', 'a2']);
    const java = await runKafkaTool(tools, tools.consumer, ['--bootstrap-server', kafka.bootstrap, '--topic', topic, '--from-beginning', '--isolation-level', 'read_committed', '--timeout-ms', '5000']);
    expect(java.stdout.split('\n').filter((line) => line !== '')).toEqual(['c1', 'c2']);
  });

  it('firehose consume reads them: read_committed skips the aborted records, and -e ends past the markers, with a group committed to the end', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('tx-firehose-consume', 1);
    await py(['produce', topic, '--txn-id', uniqueName('tx'), '--commit', 'c1,c2', '--abort', 'a1,a2']);
    // Offsets: c1 c2 COMMIT a1 a2 ABORT, so the end (6) is a marker's offset + 1, after every record.
    // --idle-timeout only guards against a hang: the runs must stop by 'end'.
    const consume = async (args: string[]) => {
      const result = expectOk(await firehose(['consume', topic, '-e', '--idle-timeout', '20s', ...args]));
      expect(result.stderr).toContain('stopped by end');
      return lines(result.stdout);
    };
    expect(await consume(['--from-beginning'])).toEqual(['c1', 'c2', 'a1', 'a2']);
    expect(await consume(['--from-beginning', '--isolation-level', 'read_committed'])).toEqual(['c1', 'c2']);
    const group = uniqueName('tx-firehose');
    expect(await consume(['-g', group, '--offset-reset', 'earliest', '--isolation-level', 'read_committed'])).toEqual(['c1', 'c2']);
    // The group committed past the ABORT marker: a second member finds nothing left and ends at once.
    expect(await consume(['-g', group, '--offset-reset', 'earliest'])).toEqual([]);
    const bad = await firehose(['consume', topic, '--isolation-level', 'committed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--isolation-level must be read_uncommitted or read_committed, not "committed"');
  });

  it('a second confluent-kafka producer with the same transactional.id fences the first, whose open transaction is aborted', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('tx-zombie', 1);
    const run = await py(['zombie', topic, '--txn-id', uniqueName('tx')]);
    expect(run.stderr).toContain('new producer committed');
    expect(run.stderr).toMatch(/zombie fenced: _FENCED fatal=True/);
    expect(run.stderr).not.toContain('zombie committed');
    expect(valuesOf(await pyRead(topic, 'read_committed'))).toEqual(['fresh']);
    expect(valuesOf(await pyRead(topic, 'read_uncommitted'))).toEqual(['zombie', 'fresh']);
  });

  it('confluent-kafka consume-transform-produce copies exactly once, also when a copier dies mid-transaction', { timeout: TEST_TIMEOUT_MS }, async () => {
    const input = await newTopic('tx-eos-in', 1);
    const output = await newTopic('tx-eos-out', 1);
    const values = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    await produce(input, values);
    const group = uniqueName('tx-eos');
    const txnId = uniqueName('tx');

    // The first copier commits one transaction (three records), then exits with the second open.
    const dying = await py(['copy', input, output, '--group', group, '--txn-id', txnId, '--count', '10', '--exit-after', '2']);
    expect(dying.stderr).toContain('exiting with transaction 2 open');
    // Its successor (same transactional.id) fences it, aborts its open transaction and copies the rest from the committed offset.
    const rest = await py(['copy', input, output, '--group', group, '--txn-id', txnId, '--count', '7']);
    expect(rest.stderr).toContain('copied 7');

    expect(valuesOf(await pyRead(output, 'read_committed'))).toEqual(values.map((v) => v.toUpperCase()));
    // The aborted copies are in the log all the same.
    expect((await pyRead(output, 'read_uncommitted')).length).toBeGreaterThan(values.length);
  });

  it('kafka-transactions lists and describes a transaction left open, with its partition', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('tx-describe', 1);
    const txnId = uniqueName('tx');
    expect((await py(['open', topic, '--txn-id', txnId, '--values', 'o1'])).stderr).toContain('left open');
    const command = (args: string[]) => runKafkaTool(tools, 'org.apache.kafka.tools.TransactionsCommand', ['--bootstrap-server', kafka.bootstrap, ...args]);
    const listed = await command(['list']);
    expect(listed.exitCode, `kafka-transactions list stderr: ${listed.stderr}`).toBe(0);
    expect(listed.stdout.split('\n').find((line) => line.startsWith(txnId))).toMatch(new RegExp(`^${txnId}\\s+\\d+\\s+\\d+\\s+Ongoing\\s*$`));
    const described = await command(['describe', '--transactional-id', txnId]);
    expect(described.exitCode, `kafka-transactions describe stderr: ${described.stderr}`).toBe(0);
    const row = described.stdout.split('\n').find((line) => line.includes(txnId));
    expect(row).toMatch(/\bOngoing\b/);
    expect(row).toContain(`${topic}-0`);
  });

  it('kafka-transactions describe-producers lists an idempotent producer and one with a transaction open, with their sequences', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await newTopic('tx-producers', 1);
    // firehose produce is idempotent (acks=all): offsets 0-2, sequences 0-2.
    await produce(topic, ['p1', 'p2', 'p3']);
    expect((await py(['open', topic, '--txn-id', uniqueName('tx'), '--values', 'o1'])).stderr).toContain('left open');
    const described = await runKafkaTool(tools, 'org.apache.kafka.tools.TransactionsCommand', ['--bootstrap-server', kafka.bootstrap, 'describe-producers', '--topic', topic, '--partition', '0']);
    expect(described.exitCode, `kafka-transactions describe-producers stderr: ${described.stderr}`).toBe(0);
    const [header, ...rows] = described.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => line.trim().split(/\s+/));
    expect(header).toEqual(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset']);
    const producers = rows.map(([, epoch, coordinatorEpoch, lastSequence, lastTimestamp, txnStart]) => ({ epoch, coordinatorEpoch, lastSequence, txnStart, recent: Math.abs(Date.now() - Number(lastTimestamp)) < 120_000 }));
    expect(producers.sort((a, b) => a.txnStart.localeCompare(b.txnStart))).toEqual([
      { epoch: '0', coordinatorEpoch: '-1', lastSequence: '0', txnStart: '3', recent: true },
      { epoch: '0', coordinatorEpoch: '-1', lastSequence: '2', txnStart: 'None', recent: true },
    ]);
  });

  it("Java's TransactionalMessageCopier (random aborts, offsets with the group's metadata) copies exactly once", { timeout: TEST_TIMEOUT_MS }, async () => {
    const input = await newTopic('tx-copier-in', 1);
    const output = await newTopic('tx-copier-out', 1);
    const values = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await produce(input, values);
    const copier = await runKafkaTool(tools, 'org.apache.kafka.tools.TransactionalMessageCopier', [
      '--broker-list', kafka.bootstrap, '--input-topic', input, '--input-partition', '0', '--output-topic', output,
      '--consumer-group', uniqueName('tx-copier'), '--transactional-id', uniqueName('tx'), '--transaction-size', '4',
      '--enable-random-aborts', '--use-group-metadata', '--group-mode',
    ], { timeoutMs: 90_000 });
    expect(copier.exitCode, `copier stderr: ${copier.stderr}`).toBe(0);
    expect(copier.stdout).toContain('"stage":"ShutdownComplete"');
    expect(copier.stdout).toMatch(/"totalProcessed":30/);
    expect(await javaRead(output, 'read_committed', values.length)).toEqual(values);
  });
});
