// firehose's own Kafka client (src/kafka/wire/) vs kcat on the same broker in the same
// run: N spam records produced with acks=1 and acks=all (idempotent on both sides), and
// consumed from the earliest offsets, each side in its own process, alternated.
// Part of `npm run bench`; alone: `npm run build && npx tsx bench/client.ts`.
//
//   npx tsx bench/client.ts                                   # starts its own Kafka
//   KAFKA_BOOTSTRAP_SERVERS=host:9092 npx tsx bench/client.ts  # or uses yours
//   BENCH_RECORDS=200000 BENCH_REPEAT=1 npx tsx bench/client.ts
//
// Replaces the "client" section of bench/RESULTS.md (the rest is kept).
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchKafka, benchTopics, cleanUpBench, check, fmt, kcatVersion, markdownTable, median, N, PARTITIONS, rate, REPEAT, replaceResultsSection,
  RESULTS, runMain, seconds, timed, writeValues,
} from './support.js';

const WORKER = join(import.meta.dirname, 'client-worker.mjs');

interface Row {
  what: string;
  oursMs: number[];
  /** The client's own time, connect to last answer (no process start-up). */
  ownMs: number[];
  kcatMs: number[];
}

async function worker(args: string[]): Promise<{ ms: number; ownMs: number; records: number }> {
  const result = check(await timed(process.execPath, [WORKER, ...args]), `client-worker ${args[0]}`);
  const { ownMs, records } = JSON.parse(result.stdout) as { ownMs: number; records: number };
  return { ms: result.ms, ownMs, records };
}

function rowText(row: Row): string[] {
  const ours = rate(median(row.oursMs));
  const kcat = rate(median(row.kcatMs));
  return [
    row.what,
    `${fmt(ours)} (${seconds(row.oursMs)} s)`,
    fmt(rate(median(row.ownMs))),
    `${fmt(kcat)} (${seconds(row.kcatMs)} s)`,
    (ours / kcat).toFixed(2),
    (rate(Math.min(...row.oursMs)) / rate(Math.min(...row.kcatMs))).toFixed(2),
  ];
}

async function main(): Promise<void> {
  const { bootstrap: B, kafkaVersion, kafka } = await benchKafka();
  const work = await mkdtemp(join(tmpdir(), 'firehose-bench-client-'));
  const tag = randomBytes(3).toString('hex');
  const topics = benchTopics(B, `bench-client-${tag}`);
  const { fresh, expectRecords, drop } = topics;
  const rows: Row[] = [];
  try {
    const values = join(work, 'values.txt');
    await writeValues(values);
    let source: string | undefined;
    for (const [acks, kcatAcks] of [['1', ['-X', 'acks=1']], ['all', ['-X', 'acks=all', '-X', 'enable.idempotence=true']]] as const) {
      const row: Row = { what: `produce acks=${acks}${acks === 'all' ? ' (idempotent)' : ''}`, oursMs: [], ownMs: [], kcatMs: [] };
      for (let r = 1; r <= REPEAT; r++) {
        const ours = await fresh(`ours-acks${acks}-${r}`);
        console.error(`[${r}/${REPEAT}] wire producer ${ours} acks=${acks} ...`);
        const run = await worker(['produce', B, ours, String(N), acks]);
        await expectRecords(ours, 'wire producer');
        row.oursMs.push(run.ms);
        row.ownMs.push(run.ownMs);
        source ??= ours;
        const theirs = await fresh(`kcat-acks${acks}-${r}`);
        console.error(`[${r}/${REPEAT}] kcat -P ${theirs} ${kcatAcks.join(' ')} ...`);
        row.kcatMs.push(check(await timed('kcat', ['-P', '-b', B, '-t', theirs, ...kcatAcks], { stdinFile: values }), 'kcat -P').ms);
        await expectRecords(theirs, 'kcat -P');
      }
      rows.push(row);
    }
    const consume: Row = { what: 'consume (from earliest)', oursMs: [], ownMs: [], kcatMs: [] };
    for (let r = 1; r <= REPEAT; r++) {
      console.error(`[${r}/${REPEAT}] wire fetcher ${source} ...`);
      const run = await worker(['consume', B, source!, String(N), String(PARTITIONS)]);
      if (run.records < N) throw new Error(`the wire fetcher read ${run.records} records, expected ${N}`);
      consume.oursMs.push(run.ms);
      consume.ownMs.push(run.ownMs);
      console.error(`[${r}/${REPEAT}] kcat -C ${source} ...`);
      consume.kcatMs.push(check(await timed('kcat', ['-C', '-b', B, '-t', source!, '-o', 'beginning', '-e', '-q', '-c', String(N)], { discardStdout: true }), 'kcat -C').ms);
    }
    rows.push(consume);

    const table = markdownTable(['', 'wire client msg/s (wall)', 'wire client msg/s (own)', 'kcat msg/s (wall)', 'client/kcat', 'best/best'], rows.map(rowText));
    const machine = [
      `- date: ${new Date().toISOString()}; ${fmt(N)} records per run, ${PARTITIONS} partitions, ${REPEAT} repetitions (median; every wall time listed)`,
      `- nproc: ${cpus().length}; CPU: ${cpus()[0]?.model ?? 'unknown'}; Node ${process.version}; Kafka ${kafkaVersion}; kcat ${kcatVersion()}`,
      `- load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ].join('\n');
    console.log(`\n${table}\n\n${machine}`);
    await replaceResultsSection('client', `## firehose's own Kafka client vs kcat (\`bench/client.ts\`)

The client core of issue 13 (\`src/kafka/wire/\`), not yet behind any command: its producer
sends the spam values (no keys; linger 5 ms, 1 MiB batches, up to 5 requests in flight per
partition) and its fetcher reads them back from the earliest offsets, each run in its own
process (\`node bench/client-worker.mjs\` on the build, so the wall time includes Node's start-up);
"own" is the client's time from connecting to the last answer. kcat: \`kcat -P\` from a file
of the same values (\`-X acks=1\`, or \`-X acks=all -X enable.idempotence=true\`) and
\`kcat -C -o beginning -e -q -c N > /dev/null\` on the same topic. Runs alternate.

${table}

${machine}`);
    console.error(`\nWrote ${RESULTS}`);
  } finally {
    await cleanUpBench(work, kafka, topics);
  }
}

runMain(main);
