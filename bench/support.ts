// What the benchmarks share: the BENCH_* settings, timing a child process, the file of spam
// values kcat produces from, medians and rates, and rewriting parts of bench/RESULTS.md.
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spamValue } from '../src/kafka/spam.js';
import { KAFKA_VERSION, startKafka, type KafkaHandle } from '../test/support/kafka.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Another build's bin/firehose.js can be measured against the same broker (before/after). */
export const BIN = process.env.BENCH_FIREHOSE_BIN ?? join(ROOT, 'bin', 'firehose.js');
export const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
/** Records per produce/consume run. */
export const N = Number(process.env.BENCH_RECORDS ?? 1_000_000);
/** The lab's topic shape (create-topic's default); BENCH_PARTITIONS=1 shows the single-partition case. */
export const PARTITIONS = Math.max(1, Number(process.env.BENCH_PARTITIONS ?? 10));
/** Each produce/consume measurement is repeated; the tables show the median. */
export const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

export interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; stdin from a file and/or stdout to /dev/null when asked. */
export function timed(cmd: string, args: string[], opts: { stdinFile?: string; discardStdout?: boolean } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const stdinFd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : undefined;
    const stdoutFd = opts.discardStdout ? openSync('/dev/null', 'w') : undefined;
    const stdio: StdioOptions = [stdinFd ?? 'ignore', stdoutFd ?? 'pipe', 'pipe'];
    const started = performance.now();
    const child = spawn(cmd, args, { stdio, env: benchEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (stdinFd !== undefined) closeSync(stdinFd);
      if (stdoutFd !== undefined) closeSync(stdoutFd);
      resolve({ ms, code, stdout, stderr });
    });
  });
}

/** The environment of every measured process: nothing from the shell that firehose reads. */
export function benchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['FIREHOSE_USER', 'FIREHOSE_BOOTSTRAP', 'FIREHOSE_OUTPUT', 'KAFKA_BOOTSTRAP_SERVERS']) delete env[name];
  env.FIREHOSE_CONFIG = '/nonexistent/firehose-bench.yaml';
  return env;
}

export function check(result: Timed, what: string): Timed {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

/** node's argv for `firehose <args> --bootstrap <bootstrap>`. */
export const firehose = (args: string[], bootstrap: string) => [BIN, ...args, '--bootstrap', bootstrap];

export function hasKcat(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export function kcatVersion(): string {
  const out = spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout ?? '';
  return /Version (\S+).*?(librdkafka \S+)/.exec(out)?.slice(1, 3).join(', ') ?? 'unknown';
}

/** A PARTITIONS-partition topic, created with firehose (extra flags such as `--via admin` allowed). */
export async function createTopic(bootstrap: string, topic: string, extra: string[] = []): Promise<void> {
  check(await timed(process.execPath, firehose(['create-topic', topic, '--partitions', String(PARTITIONS), ...extra], bootstrap)), `create-topic ${topic}`);
}

/** Sum of the topic's end offsets (the records it holds), read with firehose itself. */
export async function topicRecords(bootstrap: string, topic: string): Promise<number> {
  const result = check(await timed(process.execPath, firehose(['topics', 'describe', topic, '--output', 'json'], bootstrap)), `describe ${topic}`);
  const description = JSON.parse(result.stdout) as { partitions: Array<{ endOffset: string | number; startOffset: string | number }> };
  return description.partitions.reduce((sum, p) => sum + Number(p.endOffset) - Number(p.startOffset), 0);
}

/** The N values `firehose spam --times N` sends, one per line, for `kcat -P`. */
export async function writeValues(file: string): Promise<void> {
  const out = createWriteStream(file);
  const chunk = 10_000;
  for (let i = 0; i < N; i += chunk) {
    let text = '';
    for (let j = i; j < Math.min(N, i + chunk); j++) text += `${spamValue(j)}\n`;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Records per second of N records in `ms`. */
export const rate = (ms: number) => Math.round(N / (ms / 1000));
export const fmt = (n: number) => n.toLocaleString('en-US');
/** Wall times of each repetition, for the tables. */
export const seconds = (ms: number[]) => ms.map((m) => (m / 1000).toFixed(2)).join(', ');

/** A markdown table: header row, separator, rows. */
export function markdownTable(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/**
 * Everything from this marker to the end of RESULTS.md is kept when run.ts rewrites the
 * file: notes by hand and the sections other benchmarks own (replaceResultsSection).
 */
const NOTES_MARKER = '<!-- notes -->';

/** Rewrites RESULTS.md with `head` (run.ts's part) and keeps everything from the notes marker on. */
export async function writeResultsHead(head: string): Promise<void> {
  const previous = await readFile(RESULTS, 'utf8').catch(() => '');
  const notes = new RegExp(`${NOTES_MARKER}[\\s\\S]*$`).exec(previous)?.[0] ?? `${NOTES_MARKER}\n`;
  await writeFile(RESULTS, `${head}\n${notes}`);
}

/**
 * Replaces the section `name` of RESULTS.md (between `<!-- name -->` and `<!-- /name -->`),
 * or appends it below the notes marker, so that run.ts keeps it; the rest is untouched.
 */
export async function replaceResultsSection(name: string, body: string): Promise<void> {
  const previous = await readFile(RESULTS, 'utf8').catch(() => '');
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const section = `${open}\n${body.trim()}\n${close}`;
  const start = previous.indexOf(open);
  const end = previous.indexOf(close, start);
  let next: string;
  if (start >= 0 && end >= 0) next = previous.slice(0, start) + section + previous.slice(end + close.length);
  else {
    const base = previous.includes(NOTES_MARKER) ? previous : `${previous}${previous === '' || previous.endsWith('\n') ? '' : '\n'}\n${NOTES_MARKER}\n`;
    next = `${base.replace(/\n*$/, '\n')}\n${section}\n`;
  }
  await writeFile(RESULTS, next);
}

/** The broker a benchmark measures on: KAFKA_BOOTSTRAP_SERVERS, or a Kafka it starts (and `kafka` stops). */
export async function benchKafka(): Promise<{ bootstrap: string; kafkaVersion: string; kafka?: KafkaHandle }> {
  const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (bootstrap) return { bootstrap, kafkaVersion: process.env.BENCH_KAFKA_VERSION ?? 'external broker (version not detected; set BENCH_KAFKA_VERSION)' };
  console.error(`Starting Kafka ${KAFKA_VERSION} (test/support/kafka.ts) ...`);
  const kafka = await startKafka();
  return { bootstrap: kafka.bootstrap, kafkaVersion: `${KAFKA_VERSION} (single KRaft node on loopback, started by the bench)`, kafka };
}

/**
 * Topics a benchmark creates on `bootstrap` (named `<prefix>-<name>`, remembered in `created`),
 * a check that one holds exactly N records, and deleting one.
 */
export function benchTopics(bootstrap: string, prefix: string) {
  const created: string[] = [];
  return {
    created,
    fresh: async (name: string): Promise<string> => {
      const t = `${prefix}-${name}`;
      await createTopic(bootstrap, t);
      created.push(t);
      return t;
    },
    expectRecords: async (t: string, who: string): Promise<void> => {
      const stored = await topicRecords(bootstrap, t);
      if (stored !== N) throw new Error(`${who} wrote ${stored} records to ${t}, expected ${N}`);
    },
    drop: async (t: string): Promise<void> => {
      await timed(process.execPath, firehose(['delete-topic', t], bootstrap));
    },
  };
}

/** Runs a benchmark's main(): a failure prints its stack and sets exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}

/** After a benchmark: its scratch folder goes, and the Kafka it started, or else the topics it made. */
export async function cleanUpBench(work: string, kafka: KafkaHandle | undefined, topics: ReturnType<typeof benchTopics>): Promise<void> {
  await rm(work, { recursive: true, force: true });
  if (kafka) await kafka.stop();
  else for (const t of topics.created) await topics.drop(t).catch(() => {});
}
