// franz-go (twmb/franz-go's kgo client) as a peer client in tests: franz-client, a small
// program on kgo with franz-go's defaults (test/support/franz-go/franz-client/main.go),
// built from the Go module proxy by test/support/franz-go/build.sh (see the README there).
// .ci/run builds it and sets FIREHOSE_FRANZ_BIN; without that, ensureFranzClient() runs
// build.sh, which returns at once when the cached binary is current.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { kafkaFromTests } from './kafka-env.js';

const FRANZ_DIR = fileURLToPath(new URL('./franz-go/', import.meta.url));

/** Environment variable naming the franz-client binary to use instead of building it. */
export const FRANZ_BIN_ENV = 'FIREHOSE_FRANZ_BIN';

/** The franz-go version, as pinned in test/support/franz-go/franz-client/go.mod (e.g. "1.22.3"). */
export const FRANZ_GO_VERSION = (() => {
  const mod = readFileSync(join(FRANZ_DIR, 'franz-client', 'go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?github\.com\/twmb\/franz-go v(\S+)/m.exec(mod);
  if (!m?.[1]) throw new Error('test/support/franz-go/franz-client/go.mod does not require github.com/twmb/franz-go');
  return m[1];
})();

/** The codecs franz-client takes with --compression; `default` leaves franz-go's own preference (snappy, else none). */
export type FranzCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'default';

let built: Promise<string> | undefined;

/**
 * The franz-client binary: $FIREHOSE_FRANZ_BIN, else build.sh's (built or refreshed on
 * demand; a cold build takes about a quarter of a minute, see the README). For beforeAll.
 */
export function ensureFranzClient(): Promise<string> {
  built ??= (async () => {
    const fromEnv = process.env[FRANZ_BIN_ENV];
    if (fromEnv) {
      if (!existsSync(fromEnv)) throw new Error(`${FRANZ_BIN_ENV}=${fromEnv}: no such file`);
      return fromEnv;
    }
    const result = await execa('bash', [join(FRANZ_DIR, 'build.sh')], { reject: false, timeout: 600_000 });
    if (result.exitCode !== 0) throw new Error(`test/support/franz-go/build.sh failed (exit ${result.exitCode}): ${result.stderr}`);
    return join(result.stdout.trim(), 'franz-client');
  })();
  return built;
}

export interface FranzProduceOptions {
  /** --compression; default: franz-go's own preference. */
  compression?: FranzCompression;
  /** Values to send, one record per value (no newlines in them); or use `count`. */
  values?: string[];
  /** Let franz-client make this many values ("franz-go value i ..."; see franzValues). */
  count?: number;
}

/** The values `franz-client produce --count n` makes. */
export function franzValues(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `franz-go value ${i} ${'repeated text compresses '.repeat(i % 5)}`);
}

/** How a franz-client run ended (exit code undefined: killed by the outer timeout). */
export interface FranzResult { exitCode: number | undefined; stdout: string; stderr: string }

/** Runs franz-client with a deadline of its own, well inside the test's; never rejects. */
async function franzClient(args: string[], input?: string): Promise<FranzResult> {
  const bin = await ensureFranzClient();
  const { exitCode, stdout, stderr } = await execa(bin, [...args, '--brokers', kafkaFromTests().bootstrap, '--timeout', '30s'],
    { input, reject: false, timeout: 45_000 });
  return { exitCode, stdout, stderr };
}

/** Produces with franz-go's producer and asserts it said it sent them all. */
export async function franzProduce(topic: string, options: FranzProduceOptions): Promise<void> {
  const args = ['produce', '--topic', topic, ...(options.compression ? ['--compression', options.compression] : []),
    ...(options.count !== undefined ? ['--count', String(options.count)] : [])];
  const result = await franzClient(args, options.values ? options.values.map((v) => `${v}\n`).join('') : '');
  const sent = options.count ?? options.values?.length ?? 0;
  expect(result.exitCode, `franz-client produce stderr: ${result.stderr}`).toBe(0);
  expect(result.stderr).toContain(`produced ${sent} records to ${topic}`);
}

/** Starts franz-go's group consumer reading `count` records; its promise settles when it exits. */
export function franzConsume(topic: string, group: string, count: number): Promise<FranzResult> {
  return franzClient(['consume', '--topic', topic, '--group', group, '--count', String(count)]);
}
