// The data lake's "where": a folder (--dir) or an S3 bucket (--bucket, --s3-endpoint, --region,
// --no-verify-tls), the same flags on `lake run/ls/get` and `edge up`.
import type { Command } from '@commander-js/extra-typings';
import { ENV } from '../config/env.js';
import { DEFAULT_LAKE_DIR as DEFAULT_DIR, openLakeStore, type LakeStore, type LakeTarget, type S3Credentials } from '../edge/lake-store.js';
import { UsageError } from '../errors.js';
import type { Runtime } from './runtime.js';

/** Where objects go or are read from: --dir, or an S3 bucket (--bucket, --s3-endpoint, ...). */
export function withStoreOptions<C extends Command<any, any, any>>(command: C, verb: string): C {
  return command
    .option('--dir <folder>', `the folder objects ${verb}: <topic>/<partition>/<first offset>.jsonl (default ${DEFAULT_DIR})`)
    .option('--bucket <name>', `an S3 bucket instead of a folder (keys from ${ENV.awsAccessKeyId} and ${ENV.awsSecretAccessKey})`)
    .option('--s3-endpoint <url>', 'the S3 server, for one that is not AWS (path-style; a host name means https)')
    .option('--region <region>', `the bucket's region (default ${ENV.awsRegion}, else us-east-1)`)
    .option('--no-verify-tls', 'do not check the S3 server\'s certificate (insecure; what the seed does with s3cmd)') as C;
}

export interface StoreFlags {
  dir?: string;
  bucket?: string;
  s3Endpoint?: string;
  region?: string;
  verifyTls: boolean;
}

/** The flags (and the ConfigMap's S3 settings, with --s3) as a store target; warns when TLS is not verified. */
export function storeTarget(options: StoreFlags, rt: Runtime, config: { bucket?: string; endpoint?: string; region?: string } = {}, createBucket = false): LakeTarget {
  const bucket = options.bucket ?? config.bucket;
  if (bucket === undefined) {
    if (options.s3Endpoint !== undefined) throw new UsageError('--s3-endpoint needs --bucket: the bucket to use there.');
    return { kind: 'folder', dir: options.dir ?? DEFAULT_DIR };
  }
  if (options.dir !== undefined) throw new UsageError('--dir and --bucket both say where the objects are: give one.');
  if (!options.verifyTls) rt.out.warn('TLS verification of the S3 server is off (--no-verify-tls): anyone in between can read and change the objects.');
  return {
    kind: 's3',
    bucket,
    endpoint: options.s3Endpoint ?? config.endpoint,
    region: options.region ?? config.region ?? rt.env[ENV.awsRegion] ?? 'us-east-1',
    verifyTls: options.verifyTls,
    createBucket,
  };
}

/** The environment's AWS keys (never flags: they would show in ps). */
export function s3Credentials(rt: Runtime): S3Credentials {
  return { accessKeyId: rt.env[ENV.awsAccessKeyId], secretAccessKey: rt.env[ENV.awsSecretAccessKey], sessionToken: rt.env[ENV.awsSessionToken] };
}

/** The store the target names, with the environment's keys. */
export async function openStore(target: LakeTarget, rt: Runtime): Promise<LakeStore> {
  return openLakeStore(target, s3Credentials(rt));
}

/** The flags that name the same store again (for the commands a message suggests). */
export function storeFlags(target: LakeTarget): string {
  if (target.kind === 'folder') return `--dir ${target.dir}`;
  return [`--bucket ${target.bucket}`, target.endpoint ? `--s3-endpoint ${target.endpoint}` : '', `--region ${target.region}`, target.verifyTls ? '' : '--no-verify-tls'].filter(Boolean).join(' ');
}
