// firehose vs kcat on the same broker: spam/produce and consume 1,000,000 records, plus
// CLI start-up time. Not part of the tests; run with `npm run bench` (builds first).
//
//   npm run bench                                    # starts its own Kafka (test/support/kafka.ts)
//   KAFKA_BOOTSTRAP_SERVERS=host:9092 npm run bench  # or uses yours
//   BENCH_RECORDS=200000 BENCH_REPEAT=1 npm run bench  # a quicker, smaller run
//   BENCH_FIREHOSE_BIN=/elsewhere/bin/firehose.js ...  # measure another build (before/after)
//   BENCH_PARTITIONS=1 npm run bench                  # topics with one partition (default 10)
//
// Prints every rate and the firehose/kcat ratio, and rewrites bench/RESULTS.md.
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spamValue } from '../src/kafka/spam.js';
import { KAFKA_VERSION, startKafka, type KafkaHandle } from '../test/support/kafka.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Another build's bin/firehose.js can be measured against the same broker (before/after). */
const BIN = process.env.BENCH_FIREHOSE_BIN ?? join(ROOT, 'bin', 'firehose.js');
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const N = Number(process.env.BENCH_RECORDS ?? 1_000_000);
/** The lab's topic shape (create-topic's default); BENCH_PARTITIONS=1 shows the single-partition case. */
const PARTITIONS = Math.max(1, Number(process.env.BENCH_PARTITIONS ?? 10));
const STARTUP_RUNS = 7;
/** Each produce/consume measurement is repeated; the table shows the median. */
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; stdin from a file and/or stdout to /dev/null when asked. */
function timed(cmd: string, args: string[], opts: { stdinFile?: string; discardStdout?: boolean } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const stdinFd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : undefined;
    const stdoutFd = opts.discardStdout ? openSync('/dev/null', 'w') : undefined;
    const stdio: StdioOptions = [stdinFd ?? 'ignore', stdoutFd ?? 'pipe', 'pipe'];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of ['FIREHOSE_USER', 'FIREHOSE_BOOTSTRAP', 'FIREHOSE_OUTPUT', 'KAFKA_BOOTSTRAP_SERVERS']) delete env[name];
    env.FIREHOSE_CONFIG = '/nonexistent/firehose-bench.yaml';
    const started = performance.now();
    const child = spawn(cmd, args, { stdio, env });
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

function check(result: Timed, what: string): Timed {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

const firehose = (args: string[], bootstrap: string) => [BIN, ...args, '--bootstrap', bootstrap];

function hasKcat(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

function kcatVersion(): string {
  const out = spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout ?? '';
  return /Version (\S+).*?(librdkafka \S+)/.exec(out)?.slice(1, 3).join(', ') ?? 'unknown';
}

async function createTopic(bootstrap: string, topic: string): Promise<void> {
  check(await timed(process.execPath, firehose(['create-topic', topic, '--partitions', String(PARTITIONS)], bootstrap)), `create-topic ${topic}`);
}

/** Sum of the topic's end offsets (the records it holds), read with firehose itself. */
async function topicRecords(bootstrap: string, topic: string): Promise<number> {
  const result = check(await timed(process.execPath, firehose(['topics', 'describe', topic, '--output', 'json'], bootstrap)), `describe ${topic}`);
  const description = JSON.parse(result.stdout) as { partitions: Array<{ endOffset: string | number; startOffset: string | number }> };
  return description.partitions.reduce((sum, p) => sum + Number(p.endOffset) - Number(p.startOffset), 0);
}

async function writeValues(file: string): Promise<void> {
  const out = createWriteStream(file);
  const chunk = 10_000;
  for (let i = 0; i < N; i += chunk) {
    let text = '';
    for (let j = i; j < Math.min(N, i + chunk); j++) text += `${spamValue(j)}\n`;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rate = (ms: number) => Math.round(N / (ms / 1000));
const fmt = (n: number) => n.toLocaleString('en-US');

interface Row {
  what: string;
  /** Wall-clock milliseconds of each repetition. */
  firehoseMs: number[];
  /** firehose's own figure (from its first to its last send), for spam. */
  firehoseSelfRate: number[];
  kcatMs: number[];
}

const seconds = (ms: number[]) => ms.map((m) => (m / 1000).toFixed(2)).join(', ');

function rowText(row: Row): string[] {
  const fh = rate(median(row.firehoseMs));
  const kc = row.kcatMs.length ? rate(median(row.kcatMs)) : undefined;
  const best = (ms: number[]) => rate(Math.min(...ms));
  return [
    row.what,
    `${fmt(fh)} (${seconds(row.firehoseMs)} s)`,
    row.firehoseSelfRate.length ? fmt(Math.round(median(row.firehoseSelfRate))) : '–',
    kc === undefined ? 'no kcat' : `${fmt(kc)} (${seconds(row.kcatMs)} s)`,
    kc === undefined ? '–' : (fh / kc).toFixed(2),
    kc === undefined ? '–' : (best(row.firehoseMs) / best(row.kcatMs)).toFixed(2),
  ];
}

async function main(): Promise<void> {
  const kcat = hasKcat();
  if (!kcat) console.error('kcat is not installed: printing firehose rates alone (apt-get install kcat for the comparison).');
  console.error(`firehose: ${BIN}`);

  let kafka: KafkaHandle | undefined;
  let bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS;
  let kafkaVersion = process.env.BENCH_KAFKA_VERSION ?? 'external broker (version not detected; set BENCH_KAFKA_VERSION)';
  if (!bootstrap) {
    console.error(`Starting Kafka ${KAFKA_VERSION} (test/support/kafka.ts) ...`);
    kafka = await startKafka();
    bootstrap = kafka.bootstrap;
    kafkaVersion = `${KAFKA_VERSION} (single KRaft node on loopback, started by the bench)`;
  }
  const B = bootstrap;
  const work = await mkdtemp(join(tmpdir(), 'firehose-bench-'));
  const tag = randomBytes(3).toString('hex');
  const topic = (name: string) => `bench-${tag}-${name}`;
  const rows: Row[] = [];
  const created: string[] = [];
  const fresh = async (name: string) => {
    const t = topic(name);
    await createTopic(B, t);
    created.push(t);
    return t;
  };
  const expectRecords = async (t: string, who: string) => {
    const stored = await topicRecords(B, t);
    if (stored !== N) throw new Error(`${who} wrote ${stored} records to ${t}, expected ${N}`);
  };
  // Produced topics are deleted once counted, except the one the consume runs read.
  const drop = async (t: string) => {
    await timed(process.execPath, firehose(['delete-topic', t], B));
  };

  try {
    // (a) produce: firehose spam vs kcat -P from a file of the same values, each to a fresh topic.
    const values = join(work, 'values.txt');
    await writeValues(values);
    let source: string | undefined;
    for (const [acks, kcatAcks] of [['1', ['-X', 'acks=1']], ['all', ['-X', 'acks=all', '-X', 'enable.idempotence=true']]] as const) {
      const row: Row = { what: `produce acks=${acks}`, firehoseMs: [], firehoseSelfRate: [], kcatMs: [] };
      for (let r = 1; r <= REPEAT; r++) {
        const fhTopic = await fresh(`spam-acks${acks}-${r}`);
        console.error(`[${r}/${REPEAT}] firehose spam ${fhTopic} --times ${N} --acks ${acks} ...`);
        const fh = check(await timed(process.execPath, firehose(['spam', fhTopic, '--times', String(N), '--acks', acks], B)), 'firehose spam');
        await expectRecords(fhTopic, 'firehose spam');
        row.firehoseMs.push(fh.ms);
        const self = /\(([\d,]+) msg\/s\)/.exec(fh.stdout)?.[1];
        if (self) row.firehoseSelfRate.push(Number(self.replace(/,/g, '')));
        if (source === undefined) source = fhTopic;
        else await drop(fhTopic);
        if (kcat) {
          const kcTopic = await fresh(`kcat-acks${acks}-${r}`);
          console.error(`[${r}/${REPEAT}] kcat -P ${kcTopic} ${kcatAcks.join(' ')} < values ...`);
          row.kcatMs.push(check(await timed('kcat', ['-P', '-b', B, '-t', kcTopic, ...kcatAcks], { stdinFile: values }), 'kcat -P').ms);
          await expectRecords(kcTopic, 'kcat -P');
          await drop(kcTopic);
        }
      }
      rows.push(row);
    }

    // (b) consume the same 1,000,000 records (the first acks=1 spam topic) to /dev/null.
    const consumeRow: Row = { what: 'consume (anonymous group)', firehoseMs: [], firehoseSelfRate: [], kcatMs: [] };
    const groupRow: Row = { what: 'consume --group (commits)', firehoseMs: [], firehoseSelfRate: [], kcatMs: consumeRow.kcatMs };
    for (let r = 1; r <= REPEAT; r++) {
      console.error(`[${r}/${REPEAT}] firehose consume ${source} --from-beginning --max-messages ${N} > /dev/null ...`);
      const fh = check(await timed(process.execPath, firehose(['consume', source!, '--from-beginning', '--max-messages', String(N)], B), { discardStdout: true }), 'firehose consume');
      if (!fh.stderr.includes(`Consumed ${N} records`)) throw new Error(`firehose consume did not report ${N} records:\n${fh.stderr}`);
      consumeRow.firehoseMs.push(fh.ms);
      if (kcat) {
        console.error(`[${r}/${REPEAT}] kcat -C ${source} -o beginning -e -c ${N} > /dev/null ...`);
        consumeRow.kcatMs.push(check(await timed('kcat', ['-C', '-b', B, '-t', source!, '-o', 'beginning', '-e', '-q', '-c', String(N)], { discardStdout: true }), 'kcat -C').ms);
      }
      // The same with a named group: commits after each printed batch (at-least-once).
      console.error(`[${r}/${REPEAT}] firehose consume ${source} --group bench-${tag}-${r} --from-beginning --max-messages ${N} > /dev/null ...`);
      const grouped = check(await timed(process.execPath, firehose(['consume', source!, '--group', `bench-${tag}-${r}`, '--from-beginning', '--max-messages', String(N)], B), { discardStdout: true }), 'firehose consume --group');
      if (!grouped.stderr.includes(`Consumed ${N} records`)) throw new Error(`firehose consume --group did not report ${N} records:\n${grouped.stderr}`);
      groupRow.firehoseMs.push(grouped.ms);
    }
    rows.push(consumeRow, groupRow);

    // (c) start-up: firehose --help vs node -e 0.
    const helpMs: number[] = [];
    const nodeMs: number[] = [];
    for (let i = 0; i < STARTUP_RUNS; i++) {
      helpMs.push(check(await timed(process.execPath, [BIN, '--help']), 'firehose --help').ms);
      nodeMs.push(check(await timed(process.execPath, ['-e', '0']), 'node -e 0').ms);
    }
    const help = median(helpMs);
    const bare = median(nodeMs);

    // Report.
    const header = ['', 'firehose msg/s (wall)', 'firehose msg/s (own)', 'kcat msg/s (wall)', 'firehose/kcat', 'best/best'];
    const table = [header, header.map(() => '---'), ...rows.map(rowText)].map((r) => `| ${r.join(' | ')} |`).join('\n');
    const startup = `| \`firehose --help\` | \`node -e 0\` | difference |\n| --- | --- | --- |\n| ${help.toFixed(0)} ms | ${bare.toFixed(0)} ms | ${(help - bare).toFixed(0)} ms |`;
    const cpu = cpus()[0]?.model ?? 'unknown';
    const machine = [
      `- date: ${new Date().toISOString()}`,
      `- records: ${fmt(N)} per run, ${PARTITIONS} partitions, values \`${spamValue(0)}\` … \`${spamValue(N - 1)}\``,
      `- nproc: ${cpus().length}; CPU: ${cpu}`,
      `- Node ${process.version}; Kafka ${kafkaVersion}`,
      `- kcat: ${kcat ? kcatVersion() : 'not installed'}`,
      `- firehose: ${BIN === join(ROOT, 'bin', 'firehose.js') ? 'this checkout (bin/firehose.js)' : BIN}`,
      `- repetitions: ${REPEAT} (rates are of the median; every wall time is listed); load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ].join('\n');
    console.log(`\n${table}\n\nStart-up (median of ${STARTUP_RUNS}):\n${startup}\n\n${machine}`);

    const previous = await readFile(RESULTS, 'utf8').catch(() => '');
    const notes = /<!-- notes -->[\s\S]*$/.exec(previous)?.[0] ?? '<!-- notes -->\n';
    await writeFile(RESULTS, `# Benchmark: firehose vs kcat

How to run (builds first; starts its own single-node Kafka from the test harness, or uses
\`KAFKA_BOOTSTRAP_SERVERS\`; needs \`kcat\` on PATH for the comparison, otherwise it prints
firehose's rates alone):

    npm run bench
    KAFKA_BOOTSTRAP_SERVERS=host:9092 BENCH_KAFKA_VERSION=3.9 npm run bench
    BENCH_RECORDS=200000 BENCH_REPEAT=1 npm run bench     # smaller, quicker
    BENCH_FIREHOSE_BIN=/other/checkout/bin/firehose.js npx tsx bench/run.ts   # another build
    BENCH_PARTITIONS=1 npm run bench                       # topics with one partition

What it runs, each timed by wall clock (process start to exit, so connecting and metadata
are included for both tools), ${REPEAT} times, on fresh ${PARTITIONS}-partition topics:

- produce: \`firehose spam T --times N --acks 1|all\` vs \`kcat -P -b B -t T2 -X acks=1\` /
  \`-X acks=all -X enable.idempotence=true\` (firehose's acks=all is idempotent too), reading
  a file of the same N values, one per line. Record counts are checked afterwards.
- consume: \`firehose consume T --from-beginning --max-messages N > /dev/null\` vs
  \`kcat -C -b B -t T -o beginning -e -q -c N > /dev/null\`, same topic; then firehose again
  with \`--group\` (a new group each time; it commits after each printed batch), against
  the same kcat figure.
- start-up: \`firehose --help\` vs \`node -e 0\`, median of ${STARTUP_RUNS}.

"firehose msg/s (own)" is what \`spam\` prints itself (first to last send, without start-up);
"firehose/kcat" compares the medians, "best/best" the fastest run of each.
The broker, firehose and kcat share the machine, so other load there shows in the figures.

## Latest run

${table}

Start-up (median of ${STARTUP_RUNS}):

${startup}

${machine}

${notes}`);
    console.error(`\nWrote ${RESULTS}`);
  } finally {
    await rm(work, { recursive: true, force: true });
    if (kafka) await kafka.stop();
    else for (const t of created) await drop(t).catch(() => {});
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
