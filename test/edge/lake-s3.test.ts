// `firehose lake` into a real S3 server (versitygw, test/support/s3.ts) against the suite's
// Kafka: the same objects as in a folder, read back both with firehose (`lake ls` / `lake
// get --bucket`) and with the AWS SDK itself; a writer SIGKILLed mid-run stores every record
// exactly once; a missing bucket, refused keys and an endpoint that does not answer are one
// line each, before any offset is committed; the keys never show in the output.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { killAndRestart, runCli, startInProcess } from '../support/cli.js';
import { expectOk, firehose, jsonLines, produce } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { freePorts } from '../support/kafka.js';
import { createBucket, s3Client, startS3Server, type S3Server } from '../support/s3.js';
import { waitFor } from '../support/wait.js';

interface Line { topic: string; partition: number; offset: number; value: string | null }

let s3: S3Server;
beforeAll(async () => { s3 = await startS3Server(); }, 60_000);
afterAll(async () => { await s3?.stop(); });

const keys = () => ({ AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey });
const bootstrap = () => ['--bootstrap', kafkaFromTests().bootstrap];
const at = (bucket: string) => ['--bucket', bucket, '--s3-endpoint', s3.endpoint, '--region', s3.region];

/** Every record line of every object in the bucket, read with the AWS SDK (not with firehose). */
async function stored(bucket: string): Promise<Array<Line & { object: string }>> {
  const client = s3Client(s3);
  const out: Array<Line & { object: string }> = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key! }))).Body!.transformToString();
      for (const line of jsonLines<Line>(body)) out.push({ ...line, object: item.Key! });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The group's committed offsets, as `groups describe -o json` gives them (none: []). */
async function committed(group: string): Promise<unknown[]> {
  const result = await firehose(['groups', 'describe', group, '-o', 'json']);
  if (result.code !== 0) return [];
  const described = JSON.parse(result.stdout) as { offsets?: Array<{ committed: string | null }> };
  return (described.offsets ?? []).filter((o) => o.committed !== null && o.committed !== '-1');
}

describe('lake run into S3', () => {
  it('stores the same objects as in a folder, which lake ls / lake get and the AWS SDK read back', { timeout: 60_000 }, async () => {
    const topic = uniqueName('lake-s3');
    expectOk(await firehose(['create-topic', topic, '--partitions', '1']));
    await produce(topic, Array.from({ length: 25 }, (_, i) => `{"id":${i}}`));
    const bucket = uniqueName('lake').toLowerCase();
    await createBucket(s3, bucket);
    const run = startInProcess(['lake', topic, ...at(bucket), '--records', '10', '--max-wait', '500ms', '--group', uniqueName('lake-s3'), ...bootstrap()], { env: keys() });
    try {
      await waitFor(async () => (await stored(bucket)).length === 25, { timeoutMs: 30_000, what: '25 records in the bucket', intervalMs: 200 });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    const lines = await stored(bucket);
    expect([...new Set(lines.map((l) => l.object))]).toEqual([
      `${topic}/0/00000000000000000000.jsonl`, `${topic}/0/00000000000000000010.jsonl`, `${topic}/0/00000000000000000020.jsonl`,
    ]);
    expect(lines.map((l) => l.value)).toEqual(Array.from({ length: 25 }, (_, i) => `{"id":${i}}`));

    const ls = expectOk(await runCli(['lake', 'ls', topic, ...at(bucket)], { env: keys() }));
    expect(ls.stdout).toMatch(new RegExp(`^${topic}/0/00000000000000000010\\.jsonl\\s+-\\s+\\d+\\s+\\d{4}-`, 'm'));
    const json = JSON.parse(expectOk(await runCli(['lake', 'ls', ...at(bucket), '-o', 'json'], { env: keys() })).stdout) as Array<{ name: string; bytes: number }>;
    expect(json.map((o) => o.name)).toHaveLength(3);
    const got = expectOk(await runCli(['lake', 'get', `${topic}/0/00000000000000000020.jsonl`, ...at(bucket)], { env: keys() }));
    expect(jsonLines<Line>(got.stdout).map((l) => l.offset)).toEqual([20, 21, 22, 23, 24]);
    const missing = await runCli(['lake', 'get', `${topic}/0/nope.jsonl`, ...at(bucket)], { env: keys() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: No object .+nope\.jsonl in s3:\/\/.+\nhint: `firehose lake ls` lists them\.\n$/);
    for (const output of [ls, got, missing]) expect(output.stdout + output.stderr).not.toContain(s3.secretAccessKey);
  });

  it('--create-bucket makes a missing bucket; without it, a missing bucket, refused keys or a dead endpoint stop it with one line and nothing committed', { timeout: 60_000 }, async () => {
    const topic = uniqueName('lake-s3-bad');
    expectOk(await firehose(['create-topic', topic, '--partitions', '1']));
    await produce(topic, ['{"id":1}']);
    const group = uniqueName('lake-s3-bad');
    const base = ['lake', topic, '--records', '1', '--group', group, ...bootstrap()];

    const noBucket = await runCli([...base, ...at('no-such-bucket')], { env: keys() });
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toMatch(/^error: There is no bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+\.\nhint: Create it \(s3cmd mb s3:\/\/no-such-bucket\), or run with --create-bucket\.\n$/);

    const refused = await runCli([...base, ...at('no-such-bucket')], { env: { AWS_ACCESS_KEY_ID: 'AKIDNOTAUSER', AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: The S3 server refused the keys to use s3:\/\/no-such-bucket at .+ \(HTTP 403\)\.\nhint: Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(refused.stderr).not.toContain('not-the-secret');

    const [closed] = await freePorts(1);
    const started = Date.now();
    const dead = await runCli([...base, '--bucket', 'b', '--s3-endpoint', `http://127.0.0.1:${closed}`], { env: keys() });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/^error: Cannot reach the S3 server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\.\nhint: Check --s3-endpoint/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await committed(group)).toEqual([]);

    const both = await runCli([...base, '--bucket', 'b', '--dir', 'x'], { env: keys() });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --dir and --bucket both say where the objects are: give one\.$/m);

    const bucket = uniqueName('made').toLowerCase();
    const run = startInProcess([...base, ...at(bucket), '--create-bucket', '--no-verify-tls'], { env: keys() });
    try {
      await waitFor(async () => (await stored(bucket).catch(() => [])).length === 1, { timeoutMs: 30_000, what: 'the record in the bucket --create-bucket made' });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    expect(run.output.stderr).toMatch(/TLS verification of the S3 server is off \(--no-verify-tls\)/);
  });
});

describe('lake run into S3, SIGKILLed mid-run', () => {
  beforeAll(() => buildCli());

  it('restarted, it stores every record exactly once: the object in progress is written again under the same name', { timeout: 150_000 }, async () => {
    const topic = uniqueName('lake-s3-kill');
    expectOk(await firehose(['create-topic', topic, '--partitions', '3']));
    const total = 3_000;
    expectOk(await firehose(['spam', topic, '--times', String(total)]));
    const bucket = uniqueName('kill').toLowerCase();
    await createBucket(s3, bucket);
    const objects = async () => (await s3Client(s3).send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0;
    await killAndRestart(['lake', topic, ...at(bucket), '--records', '10', '--max-wait', '300ms', '--group', uniqueName('lake-s3-kill'), ...bootstrap()], {
      upText: 'Storing',
      env: keys(),
      killWhen: async () => (await objects()) >= 30,
      doneWhen: async () => (await stored(bucket)).length >= total,
      what: `all ${total} records in the bucket`,
      timeoutMs: 120_000,
    });
    const lines = await stored(bucket);
    expect(new Set(lines.map((l) => `${l.partition}/${l.offset}`)).size).toBe(total);
    expect(lines).toHaveLength(total); // no record in two objects
    const perObject = new Map<string, Line[]>();
    for (const l of lines) perObject.set(l.object, [...(perObject.get(l.object) ?? []), l]);
    for (const [name, records] of perObject) {
      expect(records.length).toBeLessThanOrEqual(10);
      expect(name).toBe(`${topic}/${records[0]!.partition}/${String(records[0]!.offset).padStart(20, '0')}.jsonl`);
    }
  });
});
