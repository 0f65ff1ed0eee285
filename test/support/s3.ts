// A real S3-compatible server for tests: the Versity S3 Gateway (versitygw) with its
// posix backend (buckets are directories, objects files, metadata in xattrs), built
// from the Go module proxy by test/support/s3/build.sh (see test/support/s3/README.md)
// and run on a free loopback port with fresh root credentials. Clients are
// @aws-sdk/client-s3 with path-style addressing (s3Client()).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cacheRoot, freePorts, logTail, stopProcess } from './kafka.js';
import { waitFor } from './wait.js';

const S3_DIR = fileURLToPath(new URL('./s3/', import.meta.url));

/** Environment variable naming the versitygw binary to use instead of build.sh's cached one. */
export const S3_BIN_ENV = 'FIREHOSE_S3_BIN';

/** The versitygw version, as pinned in test/support/s3/versitygw/go.mod (e.g. "1.8.0"). */
export const S3_SERVER_VERSION = (() => {
  const mod = readFileSync(join(S3_DIR, 'versitygw', 'go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?github\.com\/versity\/versitygw v(\S+)/m.exec(mod);
  if (!m?.[1]) throw new Error('test/support/s3/versitygw/go.mod does not require github.com/versity/versitygw');
  return m[1];
})();

const START_TIMEOUT_MS = Number(process.env.FIREHOSE_S3_START_TIMEOUT_MS ?? 30_000);
const REGION = 'us-east-1';

/**
 * The versitygw binary: $FIREHOSE_S3_BIN, else where build.sh puts it
 * ($FIREHOSE_TEST_CACHE/s3-<version>/bin/versitygw). Throws if it is not there.
 */
export function s3ServerBinary(): string {
  const fromEnv = process.env[S3_BIN_ENV];
  const bin = fromEnv || join(cacheRoot(), `s3-${S3_SERVER_VERSION}`, 'bin', 'versitygw');
  if (!existsSync(bin)) {
    throw new Error(fromEnv
      ? `${S3_BIN_ENV}=${fromEnv}: no such file`
      : `No S3 server binary at ${bin}: run \`bash test/support/s3/build.sh\` (or set ${S3_BIN_ENV})`);
  }
  return bin;
}

export interface S3Server {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  region: string;
  /** The root user's credentials (all rights). */
  accessKeyId: string;
  secretAccessKey: string;
  /** The posix backend's root: one directory per bucket (and .iam/, versitygw's users file). */
  dataDir: string;
  /** Stops the server and waits for it to exit; removes dataDir unless it was given. */
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  /** Keep the buckets here (reuse it to restart on the same data). Default: a new temp dir, removed by stop(). */
  dataDir?: string;
}

/** GET / answered at all (anonymous: 403 AccessDenied) means the gateway serves S3. */
function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${endpoint}/`, { method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Starts versitygw (posix backend) on a free loopback port; resolves once it answers HTTP. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const binary = s3ServerBinary();
  const work = await mkdtemp(join(tmpdir(), 'firehose-s3-'));
  const dataDir = options.dataDir ?? join(work, 'data');
  const iamDir = join(dataDir, '.iam');
  await mkdir(iamDir, { recursive: true });
  const logFile = join(work, 'versitygw.log');
  const accessKeyId = `FH${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64url');
  // A port freed by freePorts() can be taken before the server binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const [port] = await freePorts(1);
    const endpoint = `http://127.0.0.1:${port}`;
    // --iam-dir: versitygw's internal IAM (users.json), kept with the data. Without an IAM
    // backend an unknown access key gets 404 XAdminUserNotFound; with one, AWS's 403
    // InvalidAccessKeyId. Names starting with '.' are never buckets.
    const args = ['--port', `127.0.0.1:${port}`, '--region', REGION, '--iam-dir', iamDir, '--quiet', 'posix', dataDir];
    const out = openSync(logFile, 'a');
    // Credentials by environment, not argv (ps shows argv). setpriv's parent-death
    // signal kills the server even if this process is SIGKILLed.
    const env = { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey };
    const child = existsSync('/usr/bin/setpriv')
      ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', binary, ...args], { stdio: ['ignore', out, out], env })
      : spawn(binary, args, { stdio: ['ignore', out, out], env });
    closeSync(out);
    let spawnError: Error | undefined;
    child.once('error', (e) => { spawnError = e; });
    const exited = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
    const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
    process.once('exit', killOnExit);
    const cleanUp = async () => {
      if (child.pid) await stopProcess(child.pid, exited).catch(() => {});
      process.removeListener('exit', killOnExit);
    };
    let state: 'up' | 'exited';
    try {
      state = await waitFor(async () => (exited() ? 'exited' as const : (await answers(endpoint)) ? 'up' as const : undefined),
        { timeoutMs: START_TIMEOUT_MS, what: `versitygw to answer on ${endpoint}`, intervalMs: 50 });
    } catch (error) {
      await cleanUp();
      const tail = await logTail(logFile);
      await rm(work, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}. Log tail:\n${tail}`);
    }
    if (state === 'exited') {
      const tail = await logTail(logFile);
      await cleanUp();
      if (attempt < 3 && /address already in use/i.test(tail)) continue;
      await rm(work, { recursive: true, force: true });
      throw new Error(`versitygw exited during startup (${spawnError?.message ?? `code ${child.exitCode}, signal ${child.signalCode}`}). Log tail:\n${tail}`);
    }
    return {
      endpoint,
      region: REGION,
      accessKeyId,
      secretAccessKey,
      dataDir,
      async stop() {
        if (child.pid) await stopProcess(child.pid, exited);
        process.removeListener('exit', killOnExit);
        await rm(work, { recursive: true, force: true });
      },
    };
  }
}

/** An S3 client for the server (path-style, its region, root credentials unless others are given). */
export function s3Client(server: S3Server, credentials?: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: credentials ?? { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** Creates a bucket as the root user. */
export async function createBucket(server: S3Server, name: string): Promise<void> {
  const client = s3Client(server);
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
}
