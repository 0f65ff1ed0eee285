// The data lake in an S3 bucket (seed 002: a bucket on a custom endpoint, path-style, keys
// from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). PutObject stores an object whole, so a
// rewrite after a crash replaces it. Every failure the user can act on is one line: an
// endpoint that does not answer, keys it refuses, a bucket that is not there.
import type { S3Client } from '@aws-sdk/client-s3';
import { FirehoseError } from '../errors.js';
import { lakeObjectNotFound, type LakeObject, type LakeStore, type S3Credentials, type S3Target } from './lake-store.js';

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|altnames/i;

interface SdkError extends Error {
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** An endpoint as the seed writes it (a host name) or as a URL; https unless it says http. */
export function s3EndpointUrl(endpoint: string): string {
  return /^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
}

export class S3Store implements LakeStore {
  readonly where: string;
  private client: Promise<S3Client> | undefined;
  private readonly endpoint: string | undefined;

  constructor(
    private readonly target: S3Target,
    private readonly credentials: S3Credentials,
  ) {
    this.endpoint = target.endpoint === undefined ? undefined : s3EndpointUrl(target.endpoint);
    this.where = `s3://${target.bucket}${this.endpoint ? ` at ${this.endpoint}` : ''}`;
  }

  private connect(): Promise<S3Client> {
    this.client ??= (async () => {
      const [{ S3Client }, { Agent }] = await Promise.all([import('@aws-sdk/client-s3'), import('node:https')]);
      const { accessKeyId, secretAccessKey, sessionToken } = this.credentials;
      return new S3Client({
        region: this.target.region,
        ...(this.endpoint ? { endpoint: this.endpoint, forcePathStyle: true } : {}),
        ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, sessionToken } } : {}),
        // A few attempts with short timeouts: an endpoint that does not answer fails in seconds.
        maxAttempts: 3,
        requestHandler: {
          connectionTimeout: 5_000,
          requestTimeout: 30_000,
          ...(this.target.verifyTls ? {} : { httpsAgent: new Agent({ rejectUnauthorized: false, keepAlive: true }) }),
        },
      });
    })();
    return this.client;
  }

  /** The SDK's error as one line with a code and the next step. */
  private explain(error: unknown, doing: string): FirehoseError {
    if (error instanceof FirehoseError) return error;
    const e = error as SdkError;
    const status = e.$metadata?.httpStatusCode;
    const code = e.code ?? (e.cause as SdkError | undefined)?.code;
    const reason = code ?? e.name;
    if (e.name === 'CredentialsProviderError' || /credential/i.test(e.message) && !status) {
      return new FirehoseError('S3_AUTH_FAILED', `No S3 keys to ${doing} ${this.where}.`, {
        hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (as the seed does).',
        cause: error,
      });
    }
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken'].includes(e.name) || status === 403) {
      // A HEAD answer has no body to name the error: then the status says it.
      const why = e.name === 'Unknown' || /^\d+$/.test(e.name) ? `HTTP ${status}` : e.name;
      return new FirehoseError('S3_AUTH_FAILED', `The S3 server refused the keys to ${doing} ${this.where} (${why}).`, {
        hint: 'Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: the keys of an account that may write to the bucket.',
        cause: error,
      });
    }
    if (e.name === 'NoSuchBucket' || (e.name === 'NotFound' && doing !== 'read')) {
      return new FirehoseError('S3_NO_BUCKET', `There is no bucket ${this.target.bucket} at ${this.endpoint ?? 'AWS'}.`, {
        hint: `Create it (s3cmd mb s3://${this.target.bucket}), or run with --create-bucket.`,
        cause: error,
      });
    }
    if (TLS_CODES.test(reason) || TLS_CODES.test(e.message)) {
      return new FirehoseError('TLS_UNTRUSTED', `The S3 endpoint ${this.endpoint} has a certificate this machine does not trust (${reason}).`, {
        hint: 'Trust its CA (NODE_EXTRA_CA_CERTS=ca.pem), or --no-verify-tls (insecure: anyone in between can read the data).',
        cause: error,
      });
    }
    if (status === undefined) {
      return new FirehoseError('S3_UNREACHABLE', `Cannot reach the S3 server at ${this.endpoint ?? 'AWS'} (${reason}).`, {
        hint: 'Check --s3-endpoint, and that the server is running.',
        cause: error,
      });
    }
    return new FirehoseError('S3_ERROR', `The S3 server could not ${doing} ${this.where}: ${e.name} (HTTP ${status}).`, { cause: error });
  }

  async prepare(): Promise<void> {
    const client = await this.connect();
    const { HeadBucketCommand, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.target.bucket }));
    } catch (error) {
      const failure = this.explain(error, 'use');
      if (failure.code !== 'S3_NO_BUCKET' || !this.target.createBucket) throw failure;
      try {
        await client.send(new CreateBucketCommand({ Bucket: this.target.bucket }));
      } catch (createError) {
        throw this.explain(createError, 'create');
      }
    }
  }

  async put(name: string, body: string): Promise<void> {
    const client = await this.connect();
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      await client.send(new PutObjectCommand({ Bucket: this.target.bucket, Key: name, Body: body, ContentType: 'application/x-ndjson' }));
    } catch (error) {
      throw this.explain(error, 'write to');
    }
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const client = await this.connect();
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const out: LakeObject[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: prefix || undefined, ContinuationToken: token }));
      } catch (error) {
        throw this.explain(error, 'list');
      }
      for (const item of page.Contents ?? []) {
        if (!item.Key?.endsWith('.jsonl')) continue;
        out.push({ name: item.Key, bytes: item.Size ?? 0, modified: (item.LastModified ?? new Date(0)).toISOString() });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<string> {
    const client = await this.connect();
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: name }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      const e = error as SdkError;
      if (e.name === 'NoSuchKey' || (e.name === 'NotFound' && e.$metadata?.httpStatusCode === 404)) throw lakeObjectNotFound(name, this.where);
      throw this.explain(error, 'read');
    }
  }
}
