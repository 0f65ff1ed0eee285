// Python Kafka clients for interop tests: one venv in the test cache with pinned
// confluent-kafka (librdkafka) and kafka-python from PyPI, and runners for the scripts in
// test/fixtures/python/. prefetch.ts prepares the venv before the run, so pip never counts
// against a test's timeout; a current venv costs one stat.
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from './kafka.js';

/**
 * Pinned, current releases with wheels for CPython 3.11+ (Debian 12's python3). kafka-python
 * 3.x rather than the long-lived 2.0.2, which predates Kafka 4 and its removal of old protocol
 * versions (KIP-896); the kafka_python_* fixtures use the 3.x API (position(timeout_ms=...),
 * three-field OffsetAndMetadata).
 */
export const PYTHON_PACKAGES = ['confluent-kafka==2.16.1', 'kafka-python==3.0.12'] as const;

/** The interpreter the venv is made from. */
const BASE_PYTHON = process.env.FIREHOSE_TEST_PYTHON ?? 'python3';
const INSTALL_TIMEOUT_MS = 5 * 60_000;

export const PYTHON_FIXTURES = fileURLToPath(new URL('../fixtures/python/', import.meta.url));

/** Each Python client under test and its scripts (same arguments and output for both). */
export interface PythonClient {
  name: 'confluent-kafka' | 'kafka-python';
  producer: string;
  consumer: string;
  consumerCommit: string;
}

export const PYTHON_CLIENTS: readonly PythonClient[] = [
  { name: 'confluent-kafka', producer: 'producer.py', consumer: 'consumer.py', consumerCommit: 'consumer_commit.py' },
  { name: 'kafka-python', producer: 'kafka_python_producer.py', consumer: 'kafka_python_consumer.py', consumerCommit: 'kafka_python_consumer_commit.py' },
];

function venvDir(): string {
  return join(cacheRoot(), 'python-venv');
}

function venvPython(): string {
  return join(venvDir(), 'bin', 'python');
}

function markerText(): string {
  return `${BASE_PYTHON}\n${PYTHON_PACKAGES.join('\n')}\n`;
}

/**
 * Creates the venv and installs PYTHON_PACKAGES unless the marker says that is done;
 * returns the venv's python. A venv with another marker (or none: an interrupted install)
 * is rebuilt from scratch.
 */
export async function ensurePythonVenv(): Promise<string> {
  const dir = venvDir();
  const marker = join(dir, 'firehose-packages.txt');
  if (existsSync(venvPython()) && (await readFile(marker, 'utf8').catch(() => '')) === markerText()) return venvPython();

  await rm(dir, { recursive: true, force: true });
  const step = async (file: string, args: string[], what: string) => {
    try {
      await execa(file, args, { timeout: INSTALL_TIMEOUT_MS, all: true });
    } catch (err) {
      const e = err as { all?: string; shortMessage?: string; message: string };
      throw new Error(`${what} failed: ${e.shortMessage ?? e.message}\n${e.all ?? ''}`);
    }
  };
  await step(BASE_PYTHON, ['-m', 'venv', dir], `Creating a venv with ${BASE_PYTHON} (python3-venv installed?)`);
  // Wheels only: building confluent-kafka from source would need librdkafka headers.
  await step(venvPython(), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet',
    '--only-binary', ':all:', ...PYTHON_PACKAGES], 'pip install');
  const pinned = PYTHON_PACKAGES.map((p) => p.split('=='));
  const check = pinned.map(([name, version]) => `assert importlib.metadata.version(${JSON.stringify(name)}) == ${JSON.stringify(version)}`).join('; ');
  await step(venvPython(), ['-c', `import importlib.metadata, confluent_kafka, kafka; ${check}`], 'Importing the installed clients');
  await writeFile(marker, markerText());
  return venvPython();
}

export interface PythonRunOptions {
  /** Text fed to stdin, which is then closed. Default: no input (stdin closed). */
  input?: string;
  /** Kill the script after this long (its own --timeout should end it first). Default 45 s. */
  timeoutMs?: number;
}

const running = new Set<ResultPromise>();

/**
 * Starts `test/fixtures/python/<script>` with the venv's python and the broker in
 * $KAFKA_BOOTSTRAP_SERVERS; output is readable while it runs. Never rejects: check
 * exitCode. stopPythonScripts() kills whatever is still running (call it in afterEach).
 */
export function startPython(script: string, args: string[], bootstrap: string, options: PythonRunOptions = {}) {
  if (!existsSync(venvPython())) throw new Error('No Python venv: call ensurePythonVenv() in beforeAll');
  const child = execa(venvPython(), [join(PYTHON_FIXTURES, script), ...args], {
    cwd: PYTHON_FIXTURES,
    // No __pycache__ in the work tree.
    env: { KAFKA_BOOTSTRAP_SERVERS: bootstrap, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' },
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 45_000,
    forceKillAfterDelay: 5_000,
    reject: false,
  });
  running.add(child);
  void child.finally(() => running.delete(child));
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => { output.stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { output.stderr += chunk.toString('utf8'); });
  return { child, output };
}

/** Runs a script to its end; the result has exitCode, stdout and stderr. */
export async function runPython(script: string, args: string[], bootstrap: string, options: PythonRunOptions = {}) {
  return startPython(script, args, bootstrap, options).child;
}

/** Kills every script still running (SIGKILL: a test that got here no longer needs them). */
export async function stopPythonScripts(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGKILL');
  await Promise.allSettled(children);
}
