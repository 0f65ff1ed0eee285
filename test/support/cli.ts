// Runs firehose in-process (run(argv, io)) or as the built CLI in a child process, capturing
// stdout, stderr and the exit code. Shared by every CLI test.
import { execa, type ResultPromise } from 'execa';
import { PassThrough, Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { waitFor } from './wait.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Lines or text fed to stdin (not a TTY). */
  stdin?: string;
  signal?: AbortSignal;
}

/** An environment with nothing from the developer's shell that firehose reads. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HOME: '/nonexistent-firehose-home',
    PATH: process.env.PATH,
    FIREHOSE_CONFIG: '/nonexistent/firehose.yaml',
    // `firehose up` leaves a state file: keep it out of the real home.
    XDG_STATE_HOME: join(tmpdir(), `firehose-test-state-${process.pid}`),
    ...extra,
  };
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** firehose in this process: fast, and what most tests use. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await run(argv, {
    env: cleanEnv(options.env),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, stdout: out(), stderr: err() };
}

export const BIN = fileURLToPath(new URL('../../bin/firehose.js', import.meta.url));

/** The built CLI as a child process (end-to-end tests); `npm run build` must have run. */
export function spawnCli(argv: string[], options: RunOptions = {}): ResultPromise<{ reject: false; env: Record<string, string | undefined>; extendEnv: false; input?: string; all: false }> {
  return execa(process.execPath, [BIN, ...argv], {
    reject: false,
    env: cleanEnv(options.env),
    extendEnv: false,
    input: options.stdin,
    all: false,
  } as never) as never;
}

/** The built CLI running in the background, its output readable while it runs. */
export function startCli(argv: string[], options: RunOptions = {}) {
  const child = spawnCli(argv, options);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => { output.stdout += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output.stderr += chunk.toString(); });
  return { child, output };
}

/**
 * firehose in this process, running in the background (for `up`, `sink serve`): its output
 * readable while it runs; stop() aborts it like Ctrl-C and resolves with the exit code.
 */
export function startInProcess(argv: string[], options: Omit<RunOptions, 'signal' | 'stdin'> = {}) {
  const controller = new AbortController();
  const output = { stdout: '', stderr: '' };
  const stdout = new PassThrough().on('data', (c: Buffer) => { output.stdout += c.toString(); });
  const stderr = new PassThrough().on('data', (c: Buffer) => { output.stderr += c.toString(); });
  const exit = run(argv, { env: cleanEnv(options.env), stdin: new PassThrough(), stdout, stderr, signal: controller.signal });
  return {
    output,
    exit,
    stop: async () => {
      controller.abort();
      return exit;
    },
  };
}

/**
 * The built CLI on a real terminal (`script` gives it a pty): `screen` is everything it
 * drew, `type()` is keystrokes ("\r" is Enter, "\x03" Ctrl-C, "\x04" Ctrl-D), `exit` the
 * finished process.
 */
export function startOnTerminal(argv: string[], options: Omit<RunOptions, 'signal' | 'stdin'> = {}) {
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, BIN, ...argv].map(quote).join(' ');
  const child = execa('script', ['-qfec', command, '/dev/null'], { env: cleanEnv(options.env) as NodeJS.ProcessEnv, extendEnv: false, reject: false, stdin: 'pipe' });
  const terminal = {
    screen: '',
    type: (keys: string) => { child.stdin!.write(keys); },
    exit: child,
  };
  child.stdout!.on('data', (chunk: Buffer) => { terminal.screen += chunk.toString(); });
  return terminal;
}

export interface KillAndRestartOptions {
  /** What the command prints on stderr once it is up (its Ctrl-C handler in place, its work started). */
  upText: string;
  /** Holds once the first run has done some of the work: it is SIGKILLed then. */
  killWhen: () => Promise<boolean> | boolean;
  /** Runs after the kill, before the second run starts (e.g. the rest of the input is published). */
  afterKill?: () => Promise<void>;
  /** Holds once the second run has done all the work: it is stopped with Ctrl-C then (exit 130). */
  doneWhen: () => Promise<boolean> | boolean;
  /** What doneWhen waits for, for the timeout message. */
  what: string;
  timeoutMs?: number;
  /** Extra environment for both runs (e.g. S3 keys, which never go on the command line). */
  env?: Record<string, string>;
}

/**
 * The built CLI SIGKILLed mid-work and started again (at-least-once tests): the first run is
 * killed once `killWhen` holds, the second, once up, stopped with Ctrl-C once `doneWhen` holds
 * (expected to exit 130). Both runs' output is returned; neither outlives the call.
 */
export async function killAndRestart(argv: string[], options: KillAndRestartOptions): Promise<{ first: string; second: string }> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const up = (run: ReturnType<typeof startCli>, which: string) =>
    waitFor(() => run.output.stderr.includes(options.upText) || run.child.exitCode !== null, { timeoutMs: 30_000, what: `the ${which} run to be up (${options.upText})` });
  const first = startCli(argv, { env: options.env });
  let second: ReturnType<typeof startCli> | undefined;
  try {
    await up(first, 'first');
    await waitFor(async () => (await options.killWhen()) || first.child.exitCode !== null, { timeoutMs, what: 'the first run to do some of the work', intervalMs: 20 });
    first.child.kill('SIGKILL');
    await first.child;
    await options.afterKill?.();
    second = startCli(argv, { env: options.env });
    // Up (past start-up, its Ctrl-C handler in place) before anything is judged: the first run
    // may have done everything before its SIGKILL landed.
    await up(second, 'second');
    await waitFor(async () => (await options.doneWhen()) || second!.child.exitCode !== null, { timeoutMs, what: options.what, intervalMs: 250 })
      .catch((error: Error) => { throw new Error(`${error.message}; second run: ${second!.output.stderr.trim().split('\n').slice(-3).join(' | ')}`); });
    second.child.kill('SIGINT');
    const exit = (await second.child).exitCode;
    if (exit !== 130) throw new Error(`the second run exited ${exit}, not 130 (Ctrl-C): ${second.output.stderr}`);
    return { first: first.output.stderr, second: second.output.stderr };
  } finally {
    for (const run of [first, second]) if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  }
}
