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
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spamValue } from '../src/kafka/spam.js';
import {
  benchKafka, benchTopics, cleanUpBench, BIN, check, firehose, fmt, hasKcat, kcatVersion, markdownTable, median, N, PARTITIONS, rate, REPEAT, ROOT,
  RESULTS, runMain, seconds, timed, writeResultsHead, writeValues,
} from './support.js';

const STARTUP_RUNS = 7;

interface Row {
  what: string;
  /** Wall-clock milliseconds of each repetition. */
  firehoseMs: number[];
  /** firehose's own figure (from its first to its last send), for spam. */
  firehoseSelfRate: number[];
  kcatMs: number[];
}

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

  const { bootstrap: B, kafkaVersion, kafka } = await benchKafka();
  const work = await mkdtemp(join(tmpdir(), 'firehose-bench-'));
  const tag = randomBytes(3).toString('hex');
  const rows: Row[] = [];
  // Produced topics are deleted once counted, except the one the consume runs read.
  const topics = benchTopics(B, `bench-${tag}`);
  const { fresh, expectRecords, drop } = topics;

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
        const self = /\(([\d,]+) msg\/s\)/.exec(fh.stderr)?.[1];
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
    const consumeRow: Row = { what: 'consume (no group)', firehoseMs: [], firehoseSelfRate: [], kcatMs: [] };
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
      // The same with a named group: it joins, then commits every second and at the end (at-least-once).
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
    const table = markdownTable(header, rows.map(rowText));
    // The README's target: firehose --help within 1.5× node -e 0 (issue 14).
    const startup = `| \`firehose --help\` | \`node -e 0\` | difference | ratio |\n| --- | --- | --- | --- |\n| ${help.toFixed(0)} ms | ${bare.toFixed(0)} ms | ${(help - bare).toFixed(0)} ms | ${(help / bare).toFixed(2)} |`;
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

    await writeResultsHead(`# Benchmark: firehose vs kcat

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
  with \`--group\` (a new group each time; it commits every second and at the end), against
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
`);
    console.error(`\nWrote ${RESULTS}`);
  } finally {
    await cleanUpBench(work, kafka, topics);
  }
}

runMain(main);
