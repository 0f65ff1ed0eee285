// `firehose kafka start --data-dir` as a real process, restarted: the topic, its records
// (same partition, offset and value) and a group's committed offsets survive, the group
// resumes where it stopped, topic configs altered with kafka-configs are kept, a transaction
// left open survives to be fenced and aborted by its producer's next instance, and a second
// broker on a dir in use is refused at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_INTERRUPTED } from '../../src/cli/main.js';
import type { GroupDescription } from '../../src/kafka/groups.js';
import { buildCli } from '../support/build.js';
import { runCli, spawnCli, startCli } from '../support/cli.js';
import { ensureConsoleTools, runKafkaTool } from '../support/java-console.js';
import { expectOk, jsonLines, lines, sorted, spamValues, type RecordJson } from '../support/cli-kafka.js';
import { uniqueName } from '../support/kafka-env.js';
import { ensurePythonVenv, runPython, stopPythonScripts } from '../support/python.js';
import { waitFor } from '../support/wait.js';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

type CliProcess = ReturnType<typeof spawnCli>;

/** Every broker process a test started; afterEach kills what is still running. */
const processes: CliProcess[] = [];
let dataDir: string;

const exited = (child: CliProcess) => child.exitCode !== null || child.signalCode !== null;

/** Waits (with a deadline) for the process to end and returns its result. */
async function exitOf(child: CliProcess, what: string) {
  await waitFor(() => exited(child), { timeoutMs: STOP_TIMEOUT_MS, what });
  return await child;
}

/** `firehose kafka start --port 0 --data-dir <dir> --output json`, once it printed its listening line. */
async function startBroker(dir: string) {
  const broker = startCli(['kafka', 'start', '--port', '0', '--data-dir', dir, '--output', 'json']);
  processes.push(broker.child);
  const listening = await waitFor(() => {
    if (exited(broker.child)) return { exitCode: broker.child.exitCode };
    const first = broker.output.stdout.split('\n');
    return first.length > 1 ? (JSON.parse(first[0]!) as { event: string; bootstrap: string; dataDir: string | null }) : undefined;
  }, { timeoutMs: START_TIMEOUT_MS, what: `the broker on ${dir} to print its listening line` });
  expect(listening, `kafka start (stderr: ${broker.output.stderr})`).toEqual({ event: 'listening', bootstrap: expect.stringMatching(/^127\.0\.0\.1:\d+$/), protocol: 'PLAINTEXT', dataDir: dir, tls: null, sasl: null });
  const { bootstrap } = listening as { bootstrap: string };
  return {
    bootstrap,
    output: broker.output,
    /** SIGTERM, as a service manager stops it; resolves once the process has exited (130, as after Ctrl-C). */
    async stop() {
      broker.child.kill('SIGTERM');
      return exitOf(broker.child, `the broker on ${bootstrap} to exit after SIGTERM`);
    },
  };
}

/** firehose (in this process) against `bootstrap`. */
const firehoseAt = (bootstrap: string, argv: string[]) => runCli([...argv, '--bootstrap', bootstrap]);

/** `consume --format json` with an idle timeout that only guards against a hang: fewer records fail the length check. */
async function consumeJson(bootstrap: string, topic: string, count: number, extra: string[] = []) {
  const result = expectOk(await firehoseAt(bootstrap, ['consume', topic, '--from-beginning', '--max-messages', String(count), '--idle-timeout', '15s', '--format', 'json', ...extra]));
  const records = jsonLines<RecordJson>(result.stdout);
  expect(records, `records of ${topic} (stderr: ${result.stderr})`).toHaveLength(count);
  return { records, stderr: result.stderr };
}

/** partition/offset → value, one line per record, in partition and offset order. */
function byPosition(records: RecordJson[]): string[] {
  return records
    .map((r) => ({ key: [r.partition, BigInt(r.offset)] as const, line: `${r.partition}/${r.offset} ${r.value}` }))
    .sort((a, b) => a.key[0] - b.key[0] || (a.key[1] < b.key[1] ? -1 : a.key[1] > b.key[1] ? 1 : 0))
    .map((r) => r.line);
}

/** Per partition 0..2: how many of `records` it holds, and one past the highest offset among them. */
function perPartition(records: RecordJson[]) {
  const count = [0, 1, 2].map((p) => records.filter((r) => r.partition === p).length);
  const next = [0, 1, 2].map((p) => records.filter((r) => r.partition === p).reduce((max, r) => Math.max(max, Number(r.offset) + 1), 0));
  return { count, next };
}

async function describeGroup(bootstrap: string, group: string): Promise<GroupDescription> {
  return JSON.parse(expectOk(await firehoseAt(bootstrap, ['groups', 'describe', group, '--output', 'json'])).stdout) as GroupDescription;
}

beforeAll(async () => {
  await buildCli();
  await ensurePythonVenv();
}, 300_000);

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'firehose-restart-'));
});

afterEach(async () => {
  await stopPythonScripts();
  for (const child of processes.splice(0)) {
    if (!exited(child)) child.kill('SIGKILL');
    await exitOf(child, 'a broker left running to die after SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('firehose kafka start --data-dir, restarted', () => {
  it('keeps the topic, every record and the group\'s committed offsets; the group resumes with exactly the rest', { timeout: 120_000 }, async () => {
    const topic = uniqueName('restart');
    const group = uniqueName('restart-group');
    const all = spamValues(500);

    const first = await startBroker(dataDir);
    expectOk(await firehoseAt(first.bootstrap, ['create-topic', topic, '--partitions', '3', '--via', 'admin']));
    expectOk(await firehoseAt(first.bootstrap, ['spam', topic, '--times', '500']));
    const before = await consumeJson(first.bootstrap, topic, 500);
    expect(sorted(before.records.map((r) => r.value!))).toEqual(sorted(all));
    expect(new Set(before.records.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));

    const groupRun1 = await consumeJson(first.bootstrap, topic, 200, ['--group', group]);
    expect(groupRun1.stderr).toContain(`Consumed 200 records from ${topic}; offsets committed for group ${group}; stopped by max-messages.`);

    const stopped = await first.stop();
    expect(stopped.exitCode, first.output.stderr).toBe(EXIT_INTERRUPTED);
    expect(lines(first.output.stdout).map((line) => JSON.parse(line) as { event: string }).at(-1)).toEqual({ event: 'stopped' });

    const second = await startBroker(dataDir);

    // The same records at the same partitions and offsets.
    const after = await consumeJson(second.bootstrap, topic, 500);
    expect(byPosition(after.records)).toEqual(byPosition(before.records));

    // The group's commits: exactly where its first run stopped, 200 in all.
    const described = await describeGroup(second.bootstrap, group);
    const committed = described.offsets.filter((o) => o.topic === topic);
    expect(committed.reduce((sum, o) => sum + Number(o.committed ?? 0), 0)).toBe(200);
    // The first run read each partition from its start without gaps, and the commits are exactly there.
    const read = perPartition(groupRun1.records);
    expect(read.next).toEqual(read.count);
    expect([0, 1, 2].map((p) => Number(committed.find((o) => o.partition === p)?.committed ?? 0))).toEqual(read.next);

    const groupRun2 = await consumeJson(second.bootstrap, topic, 300, ['--group', group]);
    expect(groupRun2.stderr).toContain(`Start: group ${group} resumes from its committed offsets on ${topic}`);
    const firstValues = groupRun1.records.map((r) => r.value!);
    const secondValues = groupRun2.records.map((r) => r.value!);
    expect(secondValues.filter((v) => firstValues.includes(v))).toEqual([]);
    expect(sorted([...firstValues, ...secondValues])).toEqual(sorted(all));
    for (const r of groupRun2.records) expect(Number(r.offset)).toBeGreaterThanOrEqual(read.next[r.partition]!);

    const end = await describeGroup(second.bootstrap, group);
    expect(end.offsets.filter((o) => o.topic === topic).reduce((sum, o) => sum + Number(o.committed ?? 0), 0)).toBe(500);
    expect((await second.stop()).exitCode, second.output.stderr).toBe(EXIT_INTERRUPTED);
  });

  it('keeps the topic configs kafka-configs altered: shown by kafka-configs and firehose topics describe after the restart', { timeout: 120_000 }, async () => {
    const tools = await ensureConsoleTools();
    const topic = uniqueName('restart-configs');
    const kafkaConfigs = (bootstrap: string, args: string[]) => runKafkaTool(tools, 'kafka.admin.ConfigCommand', ['--bootstrap-server', bootstrap, '--entity-type', 'topics', '--entity-name', topic, ...args]);

    const first = await startBroker(dataDir);
    expectOk(await firehoseAt(first.bootstrap, ['create-topic', topic, '--partitions', '1', '--config', 'retention.ms=3600000', '--via', 'admin']));
    const altered = await kafkaConfigs(first.bootstrap, ['--alter', '--add-config', 'retention.ms=7200000,retention.bytes=1048576']);
    expect(altered.exitCode, altered.stderr).toBe(0);
    expect((await first.stop()).exitCode, first.output.stderr).toBe(EXIT_INTERRUPTED);

    const second = await startBroker(dataDir);
    const described = await kafkaConfigs(second.bootstrap, ['--describe']);
    expect(described.exitCode, described.stderr).toBe(0);
    expect(lines(described.stdout).slice(1).map((line) => line.trim().split(' ')[0]).sort()).toEqual(['retention.bytes=1048576', 'retention.ms=7200000']);
    const ours = expectOk(await firehoseAt(second.bootstrap, ['topics', 'describe', topic, '--output', 'json']));
    expect(JSON.parse(ours.stdout).configs).toEqual({ 'retention.ms': '7200000', 'retention.bytes': '1048576' });
    expect((await second.stop()).exitCode, second.output.stderr).toBe(EXIT_INTERRUPTED);
  });

  it('keeps a transaction left open across the restart: the next producer with its transactional.id aborts it, read_committed never sees it', { timeout: 120_000 }, async () => {
    const topic = uniqueName('restart-tx');
    const openId = uniqueName('restart-tx-open');
    /** test/fixtures/python/transactions.py (confluent-kafka) against `bootstrap`. */
    const tx = async (bootstrap: string, args: string[]) => {
      const result = await runPython('transactions.py', [...args, '--timeout', '40'], bootstrap, { timeoutMs: 60_000 });
      expect(result.exitCode, `transactions.py ${args.join(' ')} stderr: ${result.stderr}`).toBe(0);
      return result;
    };
    const read = async (bootstrap: string, isolation: string) =>
      lines((await tx(bootstrap, ['read', topic, '--isolation', isolation])).stdout).map((line) => (JSON.parse(line) as { value: string }).value);

    const first = await startBroker(dataDir);
    expectOk(await firehoseAt(first.bootstrap, ['create-topic', topic, '--partitions', '1', '--via', 'admin']));
    await tx(first.bootstrap, ['produce', topic, '--txn-id', uniqueName('restart-tx-done'), '--commit', 'before', '--abort', 'dropped']);
    expect((await tx(first.bootstrap, ['open', topic, '--txn-id', openId, '--values', 'open1,open2'])).stderr).toContain('left open');
    expect((await first.stop()).exitCode, first.output.stderr).toBe(EXIT_INTERRUPTED);

    const second = await startBroker(dataDir);
    // The open transaction's records came back with the log, still uncommitted.
    expect(await read(second.bootstrap, 'read_uncommitted')).toEqual(['before', 'dropped', 'open1', 'open2']);
    // Its producer id and epoch came back too: the next instance fences the old one and aborts what it left.
    await tx(second.bootstrap, ['produce', topic, '--txn-id', openId, '--commit', 'after', '--abort', 'late']);
    expect(second.output.stderr).toContain(`transactional id ${openId}: a new producer instance fences epoch 0; aborting the transaction it left open`);
    expect(await read(second.bootstrap, 'read_committed')).toEqual(['before', 'after']);
    expect(await read(second.bootstrap, 'read_uncommitted')).toEqual(['before', 'dropped', 'open1', 'open2', 'after', 'late']);
  });

  it('refuses a second broker on a data dir in use at once, with one error line naming the dir', { timeout: 60_000 }, async () => {
    const running = await startBroker(dataDir);
    const holder = processes.at(-1)!.pid!;
    const inUse = `data dir ${dataDir} is in use by process ${holder}`;

    // Text mode: one `error:` line (plus firehose's usual `hint:` line), no stack trace.
    const intruder = spawnCli(['kafka', 'start', '--port', '0', '--data-dir', dataDir]);
    processes.push(intruder);
    const text = await exitOf(intruder, 'the second broker on the same data dir to give up');
    expect(text.exitCode, text.stderr).not.toBe(0);
    expect(text.stdout).toBe('');
    const errorLines = lines(text.stderr);
    expect(errorLines.filter((line) => line.startsWith('error: ')), text.stderr).toEqual([expect.stringContaining(`error: ${inUse}`)]);
    expect(errorLines.every((line) => line.startsWith('error: ') || line.startsWith('hint: ')), text.stderr).toBe(true);

    // JSON mode: exactly one line on stderr, nothing on stdout (no listening event).
    const jsonIntruder = spawnCli(['kafka', 'start', '--port', '0', '--data-dir', dataDir, '--output', 'json']);
    processes.push(jsonIntruder);
    const json = await exitOf(jsonIntruder, 'the second broker (--output json) to give up');
    expect(json.exitCode, json.stderr).not.toBe(0);
    expect(json.stdout).toBe('');
    expect(lines(json.stderr), json.stderr).toHaveLength(1);
    expect((JSON.parse(json.stderr) as { error: { message: string } }).error.message).toContain(inUse);

    // The first broker is unharmed and still serves.
    expectOk(await firehoseAt(running.bootstrap, ['create-topic', uniqueName('still-up'), '--partitions', '1', '--via', 'admin']));
    expect((await running.stop()).exitCode, running.output.stderr).toBe(EXIT_INTERRUPTED);
  });
});
