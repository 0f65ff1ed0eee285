// `firehose mirror run` against Apache Kafka's own MirrorMaker2 (dedicated mode) on the same two
// Apache Kafka clusters, and `firehose lake` into a folder and into a real S3 server (versitygw,
// test/support/s3.ts; `bash test/support/s3/build.sh` first). `npm run bench:mirror` (also part
// of `npm run bench`).
//
//   BENCH_MIRROR_RECORDS=200000  BENCH_LAKE_RECORDS=20000  BENCH_REPEAT=3
//
// Each mirror run copies a fresh 10-partition topic of spam records to the target; its rate is
// records / (time of the last record on the target − time of the first), so MirrorMaker2's
// JVM and Connect start-up (10-20 s) does not count against it. The lake stores a topic of
// BENCH_LAKE_RECORDS as objects of 10 records, into a folder and into an S3 bucket; its rate is
// records / time to the last object, start-up included. Replaces the
// "mirror" section of bench/RESULTS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startKafka } from '../test/support/kafka.js';
import { startMirrorMaker2 } from '../test/support/mirror-maker2.js';
import { createBucket, s3Client, startS3Server } from '../test/support/s3.js';
import { benchEnv, BIN, check, firehose, fmt, markdownTable, median, REPEAT, replaceResultsSection, runMain, seconds, timed, topicRecords } from './support.js';

const RECORDS = Number(process.env.BENCH_MIRROR_RECORDS ?? 200_000);
const LAKE_RECORDS = Number(process.env.BENCH_LAKE_RECORDS ?? 20_000);

/** Polls the end offsets of `topic` until they sum to RECORDS; the times the first and the last record were seen. */
async function watch(bootstrap: string, topic: string, timeoutMs: number): Promise<{ firstAt: number; lastAt: number }> {
  const deadline = performance.now() + timeoutMs;
  let firstAt: number | undefined;
  for (;;) {
    const n = await topicRecords(bootstrap, topic).catch(() => 0);
    const now = performance.now();
    if (n > 0 && firstAt === undefined) firstAt = now;
    if (n >= RECORDS) return { firstAt: firstAt!, lastAt: now };
    if (now > deadline) throw new Error(`${topic} has ${n} of ${RECORDS} records after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startFirehose(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...benchEnv(), ...env } });
}

/** Waits until `count()` reaches `objects`; the time from `started`. */
async function untilStored(count: () => Promise<number>, objects: number, started: number, where: string): Promise<number> {
  while ((await count()) < objects) {
    if (performance.now() - started > 300_000) throw new Error(`the lake stored ${await count()} of ${objects} objects in ${where} in 300 s`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return performance.now() - started;
}

async function stop(child: ChildProcess): Promise<void> {
  const done = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGINT');
  await done;
}

/** Files under `dir` (the lake's objects). */
async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.jsonl')).length;
}

runMain(async () => {
  console.error('Starting two Kafka clusters (test/support/kafka.ts) ...');
  const [source, target, s3] = await Promise.all([startKafka(), startKafka(), startS3Server()]);
  const work = await mkdtemp(join(tmpdir(), 'firehose-bench-mirror-'));
  const s3Keys = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
  try {
    const ours: number[] = [];
    const theirs: number[] = [];
    const lake: number[] = [];
    const lakeS3: number[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const topic = `bench-mirror-${Date.now()}-${r}`;
      check(await timed(process.execPath, firehose(['create-topic', topic, '--partitions', '10'], source.bootstrap)), 'create-topic');
      check(await timed(process.execPath, firehose(['spam', topic, '--times', String(RECORDS)], source.bootstrap)), 'spam');

      // firehose: into the target as factory.<topic>.
      const mirror = startFirehose(firehose(['mirror', 'run', '--source', source.bootstrap, '--target', target.bootstrap, '--source-alias', 'factory', '--target-alias', 'central', '--topics', topic, '--groups', 'none'], source.bootstrap).slice(1));
      const a = await watch(target.bootstrap, `factory.${topic}`, 120_000);
      await stop(mirror);
      ours.push(a.lastAt - a.firstAt);

      // MirrorMaker2: the same records under another alias, so the target topics differ.
      const dir = await mkdtemp(join(work, 'mm2-'));
      const mm2 = await startMirrorMaker2({ sourceAlias: 'mm2factory', targetAlias: 'central', sourceBootstrap: source.bootstrap, targetBootstrap: target.bootstrap, topics: topic, dir });
      const b = await watch(target.bootstrap, `mm2factory.${topic}`, 180_000).finally(() => mm2.stop());
      theirs.push(b.lastAt - b.firstAt);

      // The lake: a topic of LAKE_RECORDS as objects of 10 records, into a folder, then into S3.
      const lakeTopic = `bench-lake-${Date.now()}-${r}`;
      check(await timed(process.execPath, firehose(['create-topic', lakeTopic, '--partitions', '10'], source.bootstrap)), 'create-topic');
      check(await timed(process.execPath, firehose(['spam', lakeTopic, '--times', String(LAKE_RECORDS)], source.bootstrap)), 'spam');
      const objects = Math.ceil(LAKE_RECORDS / 10);
      const lakeDir = join(work, `lake-${r}`);
      let started = performance.now();
      const lakeRun = startFirehose(firehose(['lake', lakeTopic, '--dir', lakeDir, '--records', '10', '--max-wait', '1s', '--group', `bench-lake-${r}`], source.bootstrap).slice(1));
      lake.push(await untilStored(() => countFiles(lakeDir), objects, started, 'a folder'));
      await stop(lakeRun);

      const bucket = `bench-lake-${r}-${Date.now()}`;
      await createBucket(s3, bucket);
      const client = s3Client(s3);
      const inBucket = async () => {
        let n = 0;
        let token: string | undefined;
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
          n += page.KeyCount ?? 0;
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return n;
      };
      started = performance.now();
      const s3Run = startFirehose(firehose(['lake', lakeTopic, '--bucket', bucket, '--s3-endpoint', s3.endpoint, '--region', s3.region, '--records', '10', '--max-wait', '1s', '--group', `bench-lake-s3-${r}`], source.bootstrap).slice(1), s3Keys);
      lakeS3.push(await untilStored(inBucket, objects, started, 'S3'));
      await stop(s3Run);
    }
    const rate = (ms: number[], records = RECORDS) => Math.round(records / (median(ms) / 1000));
    const rows = [
      ['firehose mirror run', `${fmt(rate(ours))} (${seconds(ours)} s)`, (rate(ours) / rate(theirs)).toFixed(2)],
      ['Apache Kafka MirrorMaker2', `${fmt(rate(theirs))} (${seconds(theirs)} s)`, '1.00'],
      ['firehose lake → folder (10 records an object)', `${fmt(rate(lake, LAKE_RECORDS))} (${seconds(lake)} s, start-up included)`, '–'],
      ['firehose lake → S3, versitygw (10 records an object)', `${fmt(rate(lakeS3, LAKE_RECORDS))} (${seconds(lakeS3)} s, start-up included)`, '–'],
    ];
    const body = [
      '## Mirror: firehose vs MirrorMaker2; the lake',
      '',
      markdownTable(['', 'records/s', 'ratio to MirrorMaker2'], rows),
      '',
      `- date: ${new Date().toISOString()}; mirror: ${RECORDS.toLocaleString('en-US')} spam records in a 10-partition topic; lake: ${LAKE_RECORDS.toLocaleString('en-US')}; median of ${REPEAT}`,
      '- S3: versitygw 1.8.0 (posix backend) on loopback, built by test/support/s3/build.sh',
      '- two single-node Apache Kafka 4.1.1 clusters on loopback, started by the bench; MirrorMaker2 4.1.1 from Maven (connect-mirror, dedicated mode)',
      '- mirror rates run from the first record seen on the target to the last (JVM and Connect start-up left out); the lake\'s from its start to its last object',
      `- Node ${process.version}; nproc ${cpus().length}; load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ].join('\n');
    console.log(body);
    await replaceResultsSection('mirror', body);
  } finally {
    await rm(work, { recursive: true, force: true });
    await Promise.all([source.stop(), target.stop(), s3.stop()]);
  }
});
