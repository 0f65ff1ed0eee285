// Interop with Python clients nobody here wrote: confluent-kafka (librdkafka) and kafka-python,
// running the workshop's programs (seed 004, adapted in test/fixtures/python/). Each flow runs
// with both clients; what one client writes is read back by the other, so no check depends on
// firehose beyond creating the topic.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newTopic } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { ensurePythonVenv, PYTHON_CLIENTS, runPython, startPython, stopPythonScripts, type PythonClient } from '../support/python.js';
import { waitFor } from '../support/wait.js';

const kafka = kafkaFromTests();

/** One line of a fixture consumer's stdout. */
interface PyRecord { topic: string; partition: number; offset: number; key: string | null; value: string | null }

/** The scripts give up on their own after this (exit 2), well inside the test timeout. */
const SCRIPT_DEADLINE = ['--timeout', '30'];

function records(stdout: string): PyRecord[] {
  return stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as PyRecord);
}

/** What a single-partition topic should hold: `values` at offsets from `first`, no keys. */
function expected(topic: string, values: string[], first = 0): PyRecord[] {
  return values.map((value, i) => ({ topic, partition: 0, offset: first + i, key: null, value }));
}

/** Offsets listed in stderr lines such as "Message committed offset=3". */
function offsetsIn(stderr: string, what: string): number[] {
  return [...stderr.matchAll(new RegExp(`^${what} offset=(\\d+)$`, 'gm'))].map((m) => Number(m[1]));
}

function other(client: PythonClient): PythonClient {
  return PYTHON_CLIENTS.find((c) => c !== client)!;
}

async function pyProduce(client: PythonClient, topic: string, values: string[]): Promise<void> {
  const result = await runPython(client.producer, [topic, ...SCRIPT_DEADLINE], kafka.bootstrap, { input: values.map((v) => `${v}\n`).join('') });
  expect(result.exitCode, `${client.producer} stderr: ${result.stderr}`).toBe(0);
  expect(result.stderr).toContain(`Sent ${values.length} records to ${topic}`);
}

async function pyConsume(client: PythonClient, topic: string, reset: 'earliest' | 'latest', group: string, count: number): Promise<PyRecord[]> {
  const result = await runPython(client.consumer, [topic, reset, '--group', group, '--max-messages', String(count), ...SCRIPT_DEADLINE], kafka.bootstrap);
  expect(result.exitCode, `${client.consumer} stderr: ${result.stderr}`).toBe(0);
  return records(result.stdout);
}

// Text a line-based producer must pass through unchanged: non-ASCII, separators, quotes,
// backslashes, JSON, tabs, and an empty line (an empty value, not a missing one).
const LINES = [
  'plain', 'héllo wörld ✓', '日本語のテキスト', 'key:value', 'a|b|c', '{ "message": "Sending Message: 7" }',
  'tab\there', 'back\\slash', '"quoted"', '', '   leading and trailing spaces   ',
  ...Array.from({ length: 9 }, (_, i) => `line ${i + 12} of 20`),
];

beforeAll(async () => {
  await ensurePythonVenv();
});

afterEach(stopPythonScripts);

describe.each(PYTHON_CLIENTS)('Python $name', (client) => {
  it(`producer: ${LINES.length} stdin lines arrive unchanged and in order (read back with ${other(client).name})`, async () => {
    const topic = await newTopic('py-produce', 1);
    await pyProduce(client, topic, LINES);
    expect(await pyConsume(other(client), topic, 'earliest', uniqueName('py-readback'), LINES.length)).toEqual(expected(topic, LINES));
  });

  it('consumer: earliest reads what was there, latest only what comes after it joined, a known group resumes', async () => {
    const topic = await newTopic('py-reset', 1);
    const before = ['old-1', 'old-2', 'old-3', 'old-4', 'old-5'];
    const after = ['new-1', 'new-2', 'new-3'];
    await pyProduce(client, topic, before);

    const earliestGroup = uniqueName('py-earliest');
    expect(await pyConsume(client, topic, 'earliest', earliestGroup, before.length)).toEqual(expected(topic, before));

    // "ready": the consumer has resolved "latest" to an offset, so what is sent next is after it.
    const latest = startPython(client.consumer, [topic, 'latest', '--group', uniqueName('py-latest'), '--max-messages', String(after.length), ...SCRIPT_DEADLINE], kafka.bootstrap);
    await waitFor(() => /^ready$/m.test(latest.output.stderr) || latest.child.exitCode !== null, { timeoutMs: 30_000, what: `${client.consumer} latest to be ready` });
    expect(latest.output.stderr).toMatch(/^ready$/m);
    await pyProduce(client, topic, after);
    const result = await latest.child;
    expect(result.exitCode, `stderr: ${result.stderr}`).toBe(0);
    expect(records(result.stdout)).toEqual(expected(topic, after, before.length));

    // The earliest group committed its position on close: "earliest" no longer applies to it.
    expect(await pyConsume(client, topic, 'earliest', earliestGroup, after.length)).toEqual(expected(topic, after, before.length));
  });

  it('consumer_commit: stopped while storing message K+1, the next run starts at K+1; nothing lost or repeated', async () => {
    const topic = await newTopic('py-commit', 1);
    const values = Array.from({ length: 10 }, (_, i) => `order-${i}`);
    const k = 4;
    await pyProduce(client, topic, values);
    const group = uniqueName('py-commit');

    // Run 1 commits K messages, then hangs "storing" message K+1 until SIGTERM (docker stop).
    const first = startPython(client.consumerCommit, [topic, group, '--stall-at', String(k + 1), ...SCRIPT_DEADLINE], kafka.bootstrap);
    await waitFor(() => offsetsIn(first.output.stderr, 'Start Storing').includes(k) || first.child.exitCode !== null,
      { timeoutMs: 30_000, what: `${client.consumerCommit} to start storing offset ${k}` });
    first.child.kill('SIGTERM');
    const stopped = await first.child;
    expect(stopped.exitCode, `stderr: ${stopped.stderr}`).toBe(143);
    expect(records(stopped.stdout)).toEqual(expected(topic, values.slice(0, k + 1)));
    expect(offsetsIn(stopped.stderr, 'Message committed')).toEqual([0, 1, 2, 3]);
    expect(offsetsIn(stopped.stderr, 'End Storing')).toEqual([0, 1, 2, 3]);

    // Run 2, same group: re-reads the interrupted message and the rest, each once.
    const second = await runPython(client.consumerCommit, [topic, group, '--max-messages', String(values.length - k), ...SCRIPT_DEADLINE], kafka.bootstrap);
    expect(second.exitCode, `stderr: ${second.stderr}`).toBe(0);
    expect(records(second.stdout)).toEqual(expected(topic, values.slice(k), k));
    expect([...offsetsIn(stopped.stderr, 'Message committed'), ...offsetsIn(second.stderr, 'Message committed')]).toEqual(values.map((_, i) => i));

    // Run 3: the group's committed offset is now the end, so only a new message is read.
    await pyProduce(client, topic, ['late']);
    const third = await runPython(client.consumerCommit, [topic, group, '--max-messages', '1', ...SCRIPT_DEADLINE], kafka.bootstrap);
    expect(third.exitCode, `stderr: ${third.stderr}`).toBe(0);
    expect(records(third.stdout)).toEqual(expected(topic, ['late'], values.length));
  });
});

describe('compression codecs (confluent-kafka producer, kafka-python reads back)', () => {
  const confluent = PYTHON_CLIENTS.find((c) => c.producer === 'producer.py')!;
  const kafkaPython = other(confluent);
  // Long, repetitive values: librdkafka sends a batch uncompressed when compressing does not shrink it.
  const values = Array.from({ length: 5 }, (_, i) => `${'compressible '.repeat(20)}${i}`);

  it('gzip batches are stored and read back unchanged', async () => {
    const topic = await newTopic('py-gzip', 1);
    const result = await runPython(confluent.producer, [topic, '--compression', 'gzip', ...SCRIPT_DEADLINE], kafka.bootstrap, { input: values.map((v) => `${v}\n`).join('') });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await pyConsume(kafkaPython, topic, 'earliest', uniqueName('gzip-g'), values.length)).toEqual(expected(topic, values));
  });

  it('snappy batches are accepted', async () => {
    const topic = await newTopic('py-snappy', 1);
    const result = await runPython(confluent.producer, [topic, '--compression', 'snappy', ...SCRIPT_DEADLINE], kafka.bootstrap, { input: `${values[0]}\n` });
    expect(result.exitCode, result.stderr).toBe(0);
  });
});
