// Helpers for CLI tests that run firehose in-process (runCli) against the test broker:
// run a command on the plaintext listener, create a topic, read a topic back as JSON.
import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import type { ConsumedRecord } from '../../src/kafka/records.js';
import { runCli, type CliResult, type RunOptions } from './cli.js';
import { kafkaFromTests, uniqueName } from './kafka-env.js';

/** One line of `firehose consume --format json`. */
export type RecordJson = ConsumedRecord;

/** firehose with `--bootstrap` pointing at the test broker's PLAINTEXT listener. */
export function firehose(argv: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCli([...argv, '--bootstrap', kafkaFromTests().bootstrap], options);
}

/** Asserts exit code 0, quoting stderr when it is not. */
export function expectOk(result: CliResult): CliResult {
  expect(result.code, `exit code (stderr: ${result.stderr})`).toBe(0);
  return result;
}

/** Each non-empty stdout line parsed as JSON. */
export function jsonLines<T = unknown>(text: string): T[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as T);
}

/** The lines of an output, without the empty one after the last newline. */
export function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** A user number no other test (or person) uses: my-topic-<N> is then unique too. */
export function randomUser(): number {
  return randomInt(100_000, 1_000_000);
}

/** Creates a fresh topic through firehose and returns its name. */
export async function newTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueName(prefix);
  expectOk(await firehose(['create-topic', topic, '--partitions', String(partitions)]));
  return topic;
}

/** Sends `values` as lines through `firehose produce` (extra flags such as --partition allowed). */
export async function produce(topic: string, values: string[], extra: string[] = []): Promise<void> {
  const result = expectOk(await firehose(['produce', topic, ...extra], { stdin: values.map((v) => `${v}\n`).join('') }));
  expect(result.stderr).toContain(`Sent ${values.length} record${values.length === 1 ? '' : 's'} to ${topic}`);
}

/**
 * Reads `count` records from the beginning without a group. The idle timeout only
 * guards against a hang: fewer records than expected fail the length check, not a timeout.
 */
export async function readBack(topic: string, count: number, options: RunOptions & { argv?: string[] } = {}): Promise<RecordJson[]> {
  const argv = options.argv ?? ['--bootstrap', kafkaFromTests().bootstrap];
  const result = expectOk(await runCli(
    ['consume', topic, '--from-beginning', '--max-messages', String(count), '--idle-timeout', '15s', '--format', 'json', ...argv],
    options,
  ));
  const records = jsonLines<RecordJson>(result.stdout);
  expect(records, `records read back from ${topic} (stderr: ${result.stderr})`).toHaveLength(count);
  return records;
}

/** The values the workshop spammer writes for --times n. */
export function spamValues(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `{ "message": "Sending Message: ${i}" }`);
}

/** Sorted copy, for set equality of values. */
export function sorted<T>(values: readonly T[]): T[] {
  return [...values].sort();
}
