/**
 * The function runtime (runtime/function-runtime.mjs, one dependency-free file) as a child
 * process: what `firehose func run` serves in the foreground and what each pod of a local
 * function service runs, so a function's console output, crash or endless loop stays in its
 * own process. `func deploy` ships the same file (runtimeFile()).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { EnvSource } from '../config/env.js';
import { FirehoseError, UsageError } from '../errors.js';
import { readLineGroups } from '../util/lines.js';

/** The runtime file: runtime/ at the package root (from src/functions/, dist/functions/ and dist/bundle/ alike). */
export function runtimeFile(): string {
  return fileURLToPath(new URL('../../runtime/function-runtime.mjs', import.meta.url));
}

/** The runtime file's bytes, as `func deploy` puts them into the ConfigMap. */
export function readRuntimeFile(): Promise<Buffer> {
  return readFile(runtimeFile());
}

/** The runtime's first line once it listens (js or wasm). */
const STARTED = /^(?:Function runtime|WASI Runtime) started\. Port: (\d+)/;
/** What the runtime prints on stderr when it cannot start: `firehose-function-runtime: <reason>`. */
const START_ERROR = /^firehose-function-runtime: (.*)$/;

export interface FunctionProcessOptions {
  /** The function's folder (or .js file). */
  path: string;
  /** 0 = any free port. */
  port: number;
  host?: string;
  /** A request the function has not answered after this long gets 504. */
  timeoutMs: number;
  /** The flag that chose the port, named when it is taken. */
  portFlag?: string;
  /** The environment the function runs in (the CLI's; core modules never read process.env). */
  env: EnvSource;
  /** Every line the runtime and the function print, stdout and stderr alike. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface FunctionProcess {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL after 2 s; resolves once it is gone. */
  stop(): Promise<void>;
  /** Settles when the runtime exits, whoever stopped it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the runtime on the function and resolves once it listens; a function that does not load is a one-line UsageError. */
export async function startFunctionProcess(options: FunctionProcessOptions): Promise<FunctionProcess> {
  const args = [runtimeFile(), options.path, '--port', String(options.port), '--host', options.host ?? '127.0.0.1', '--timeout-ms', String(options.timeoutMs), '--parent-pid', String(process.pid)];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let startError: string | undefined;
  let onStarted: (port: number) => void = () => {};
  const started = new Promise<number>((resolve) => {
    onStarted = resolve;
  });
  let listening = false;
  const pump = async (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
    for await (const lines of readLineGroups(stream as AsyncIterable<Buffer>)) {
      for (const line of lines) {
        const port = !listening && name === 'stdout' ? STARTED.exec(line) : null;
        if (port) {
          listening = true;
          onStarted(Number(port[1]));
        }
        const failed = !listening && name === 'stderr' ? START_ERROR.exec(line) : null;
        if (failed) startError ??= failed[1];
        else options.onLine(line, name);
      }
    }
  };
  const pumped = Promise.all([pump(child.stdout, 'stdout').catch(() => {}), pump(child.stderr, 'stderr').catch(() => {})]);
  const first = await Promise.race([started.then((port) => ({ port })), exited.then((exit) => ({ exit }))]);
  if ('exit' in first) {
    await pumped;
    const reason = startError ?? `the runtime exited (${first.exit.code === null ? `signal ${first.exit.signal}` : `code ${first.exit.code}`}) before it listened`;
    if (/ is in use; choose another with --port\.$/.test(reason)) {
      throw new FirehoseError('PORT_IN_USE', `Port ${options.port} on ${options.host ?? '127.0.0.1'} is in use.`, { hint: `Choose another with ${options.portFlag ?? '--port'} (0 = any free port).` });
    }
    throw new UsageError(`Cannot run the function ${options.path}: ${reason}`, 'Check the function with `npm test` in its folder; `firehose func create` makes one that works.', { code: 'FUNCTION_INVALID' });
  }
  const host = options.host ?? '127.0.0.1';
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${first.port}/`,
    port: first.port,
    pid: child.pid!,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(killer);
        }
        await pumped;
      })();
      return stopping;
    },
  };
}
