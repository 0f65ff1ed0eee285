/**
 * What a worker does with one request, as the container in its pod would: the lab's event
 * display (eventing-hello's log lines), forwarding to your own service, or running your
 * command with the event as JSON on stdin.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { ENV, type EnvSource } from '../../config/env.js';
import { eventToJson, parseHttpCloudEvent, summarize, type CloudEvent } from '../../events/cloudevent.js';
import { readLineGroups } from '../../util/lines.js';
import type { Answer, Emit } from './events.js';

/** The request as a worker sees it. */
export interface WorkItem {
  request: IncomingMessage;
  body: Buffer;
  /** The client's address, for `rejected` events. */
  remote: string;
  /** Aborted when the request times out, its client goes away or the pool closes. */
  signal: AbortSignal;
}

export interface HandlerOptions {
  /** The Knative Service's name and revision number, for the command's K_SERVICE and K_REVISION. */
  service: string;
  revision: string;
  /** Event display only: simulated work per event. */
  workMs: number;
  /** Forward each request to this URL. */
  targetUrl?: string;
  /** Forward each request to the worker's own process (a function runtime) at this URL. */
  workerUrl?: (worker: string) => string | undefined;
  /** Run this per event: a string runs in a shell, an array is argv. */
  command?: string | string[];
  /** The environment `command` runs in, before the pod's own variables are set. */
  env: EnvSource;
  cwd?: string;
}

/** Handles one request on a worker; throws only when the request was aborted or the handler failed unexpectedly. */
export type Handler = (worker: string, item: WorkItem) => Promise<Answer>;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

export function createHandler(options: HandlerOptions, emit: Emit): Handler {
  const log = (worker: string, line: string) => emit({ kind: 'log', worker, line });

  /** The request as a CloudEvent (reported as handled), or the 400 answer (reported as rejected when `strict`). */
  const parse = (worker: string, item: WorkItem, strict: boolean): CloudEvent | Answer => {
    try {
      const event = parseHttpCloudEvent(item.request.headers, item.body);
      emit({ kind: 'event', worker, event: summarize(event) });
      return event;
    } catch (error) {
      const reason = (error as Error).message;
      if (strict) emit({ kind: 'rejected', status: 400, reason, remote: item.remote, worker });
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: `${reason}\n` };
    }
  };
  const isAnswer = (value: CloudEvent | Answer): value is Answer => 'status' in value;

  const display = async (worker: string, item: WorkItem): Promise<Answer> => {
    const parsed = parse(worker, item, true);
    if (isAnswer(parsed)) return parsed;
    const headers = item.request.headers;
    const prefix = `INFO [eventing-hello] (${worker})`;
    log(worker, `${prefix} ExampleResource's @POST method invoked.`);
    for (const name of ['ce-id', 'ce-source', 'ce-specversion', 'ce-time', 'ce-type', 'content-type', 'content-length']) {
      log(worker, `${prefix} ${name}=${headers[name] ?? ''}`);
    }
    log(worker, `${prefix} POST:${item.body.toString('utf8')}`);
    if (options.workMs > 0) await delay(options.workMs, undefined, { signal: item.signal });
    return { status: 202 };
  };

  const forward = async (worker: string, item: WorkItem, targetUrl: string, logEach = true): Promise<Answer> => {
    // Reported when it is a CloudEvent; anything else is still the target's call to answer.
    parse(worker, item, false);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(item.request.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const path = item.request.url ?? '/';
    const url = path === '/' || path === '' ? targetUrl : new URL(path.replace(/^\/+/, ''), targetUrl.endsWith('/') ? targetUrl : `${targetUrl}/`).href;
    const method = item.request.method ?? 'POST';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : item.body,
        signal: item.signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (item.signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause;
      const reason = `Cannot reach ${url}: ${cause?.code ?? (error as Error).message}`;
      log(worker, `ERROR [firehose] (${worker}) ${reason}`);
      emit({ kind: 'rejected', status: 502, reason, remote: item.remote, worker });
      return { status: 502, body: `${reason}\n` };
    }
    const body = Buffer.from(await response.arrayBuffer());
    const out: Record<string, string> = {};
    for (const [name, value] of response.headers.entries()) {
      if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') out[name] = value;
    }
    if (logEach) log(worker, `INFO [firehose] (${worker}) ${method} ${url} → ${response.status}`);
    return { status: response.status, headers: out, body };
  };

  const command = async (worker: string, item: WorkItem, cmd: string | string[]): Promise<Answer> => {
    const parsed = parse(worker, item, true);
    if (isAnswer(parsed)) return parsed;
    // What Knative sets in a pod: the service, the revision, and the pod's name as its hostname.
    const env = { ...options.env, [ENV.kService]: options.service, [ENV.kRevision]: `${options.service}-${options.revision}`, [ENV.hostname]: worker };
    const child = typeof cmd === 'string'
      ? spawn(cmd, { shell: true, env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], signal: item.signal })
      : spawn(cmd[0]!, cmd.slice(1), { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], signal: item.signal });
    const pump = async (stream: NodeJS.ReadableStream) => {
      for await (const lines of readLineGroups(stream as AsyncIterable<Buffer>)) for (const line of lines) log(worker, line);
    };
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    child.stdin.on('error', () => {}); // a command that ignores stdin may close it early
    child.stdin.end(`${JSON.stringify(eventToJson(parsed))}\n`);
    const [result] = await Promise.all([exit, pump(child.stdout).catch(() => {}), pump(child.stderr).catch(() => {})]);
    if (item.signal.aborted) throw new Error('aborted');
    if (result.error) {
      const reason = `Cannot run ${typeof cmd === 'string' ? cmd : cmd.join(' ')}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`;
      log(worker, `ERROR [firehose] (${worker}) ${reason}`);
      emit({ kind: 'rejected', status: 500, reason, remote: item.remote, worker });
      return { status: 500, body: `${reason}\n` };
    }
    if (result.code === 0) return { status: 202 };
    const how = result.code === null ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    const reason = `The command ${how}.`;
    log(worker, `ERROR [firehose] (${worker}) ${reason}`);
    emit({ kind: 'rejected', status: 500, reason, remote: item.remote, worker });
    return { status: 500, body: `${reason}\n` };
  };

  return async (worker, item) => {
    if (options.workerUrl !== undefined) {
      const url = options.workerUrl(worker);
      if (url === undefined) throw new Error('its function runtime is not running');
      return forward(worker, item, url, false);
    }
    if (options.targetUrl !== undefined) return forward(worker, item, options.targetUrl);
    if (options.command !== undefined) return command(worker, item, options.command);
    return display(worker, item);
  };
}
