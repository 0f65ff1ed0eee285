// Smoke test of the S3 test harness itself: versitygw from test/support/s3.ts serves
// @aws-sdk/client-s3 (path-style) with its root credentials, refuses wrong ones, and
// keeps its buckets and objects in dataDir across a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBucket, s3Client, startS3Server, type S3Server } from './s3.js';

const servers: S3Server[] = [];
const clients: S3Client[] = [];
const dirs: string[] = [];

async function start(dataDir?: string): Promise<S3Server> {
  const server = await startS3Server({ dataDir });
  servers.push(server);
  return server;
}

function client(server: S3Server, credentials?: { accessKeyId: string; secretAccessKey: string }): S3Client {
  const c = s3Client(server, credentials);
  clients.push(c);
  return c;
}

/** The error a request failed with (S3ServiceException: name = S3 error code). */
async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(S3ServiceException);
  return error as S3ServiceException;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('S3 test harness (versitygw)', () => {
  it('serves a bucket: put an object, list it and get it back', async () => {
    const server = await start();
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await createBucket(server, 'harness-bucket');
    const s3 = client(server);

    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain('harness-bucket');

    const body = 'hello from firehose\n';
    await s3.send(new PutObjectCommand({ Bucket: 'harness-bucket', Key: 'dir/a.txt', Body: body, ContentType: 'text/plain' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'harness-bucket' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['dir/a.txt', Buffer.byteLength(body)]]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'harness-bucket', Key: 'dir/a.txt' }));
    expect(got.ContentType).toBe('text/plain');
    expect(await got.Body!.transformToString()).toBe(body);

    // Path-style addressing on the posix backend: the bucket is a directory of dataDir.
    const missing = await failure(s3.send(new GetObjectCommand({ Bucket: 'harness-bucket', Key: 'nope' })));
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses wrong credentials', async () => {
    const server = await start();
    await createBucket(server, 'locked');

    const unknownKey = await failure(client(server, { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: server.secretAccessKey })
      .send(new ListObjectsV2Command({ Bucket: 'locked' })));
    expect(unknownKey.name).toBe('InvalidAccessKeyId');
    expect(unknownKey.$metadata.httpStatusCode).toBe(403);

    const wrongSecret = await failure(client(server, { accessKeyId: server.accessKeyId, secretAccessKey: `${server.secretAccessKey}x` })
      .send(new PutObjectCommand({ Bucket: 'locked', Key: 'k', Body: 'v' })));
    expect(wrongSecret.name).toBe('SignatureDoesNotMatch');
    expect(wrongSecret.$metadata.httpStatusCode).toBe(403);

    // Nothing was written by the refused request.
    const listed = await client(server).send(new ListObjectsV2Command({ Bucket: 'locked' }));
    expect(listed.KeyCount).toBe(0);
  });

  it('keeps buckets and objects across a restart on the same dataDir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'firehose-s3-data-'));
    dirs.push(dataDir);
    const first = await start(dataDir);
    expect(first.dataDir).toBe(dataDir);
    await createBucket(first, 'durable');
    await client(first).send(new PutObjectCommand({ Bucket: 'durable', Key: 'k1', Body: 'v1', Metadata: { origin: 'first' } }));
    await first.stop();
    servers.splice(servers.indexOf(first), 1);

    const second = await start(dataDir);
    expect(second.endpoint).not.toBe('');
    const s3 = client(second);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'durable', Key: 'k1' }));
    expect(await got.Body!.transformToString()).toBe('v1');
    expect(got.Metadata).toEqual({ origin: 'first' });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'durable' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['k1']);
  });
});
