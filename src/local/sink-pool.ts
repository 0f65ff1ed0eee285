/**
 * The lab's Knative Service (`eventinghello`: containerConcurrency 1, target 1, maxScale 10,
 * scale to zero when idle) on this machine: an HTTP ingress that queues requests like the
 * activator, and simulated pods ("workers") that the autoscaler starts and stops.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import { eventToJson, parseHttpCloudEvent, summarize, type CloudEvent, type EventSummary } from '../events/cloudevent.js';
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, listen, readBody, remoteOf } from '../util/http-server.js';
import { readLineGroups } from '../util/lines.js';

export interface SinkPoolOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Knative Service's name, used in worker names. Default "eventinghello". */
  service?: string;
  /** Default "00001" (worker names are `<service>-<revision>-deployment-<5 chars>`). */
  revision?: string;
  /** Time from Pending to Running. Default 500 ms. */
  coldStartMs?: number;
  /** A worker idle this long is removed (down to minScale). Default 90 000 ms. */
  idleMs?: number;
  /** Default 0: scale to zero. */
  minScale?: number;
  /** Default 10. */
  maxScale?: number;
  /** Requests waiting for a worker beyond this are answered 503. Default 1000. */
  maxQueue?: number;
  /** From arrival to answer; past it the request gets 504. Default 300 000 ms (Knative's revision timeout). */
  requestTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Built-in event display only: simulated work per event, holding the worker. Default 0. */
  workMs?: number;
  /** Forward each request to this URL (your own service) and answer with its response. */
  targetUrl?: string;
  /** Run this per event, the event as JSON on stdin: a string runs in a shell, an array is argv. */
  command?: string | string[];
  /** Extra environment for `command`. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface WorkerInfo {
  /** Like a pod: eventinghello-00001-deployment-x7k2p. */
  name: string;
  status: 'Pending' | 'Running';
  ready: boolean;
  /** ISO time the worker was created. */
  startTime: string;
  /** ISO time it became ready, once it has. */
  readyTime: string | null;
  busy: boolean;
  eventsHandled: number;
}

export type SinkPoolEvent =
  | { kind: 'scaled'; from: number; to: number; reason: string }
  | { kind: 'worker'; worker: string; status: 'starting' | 'running' | 'terminated'; info: WorkerInfo }
  | { kind: 'event'; worker: string; event: EventSummary }
  | { kind: 'log'; worker: string; line: string }
  | { kind: 'rejected'; status: number; reason: string; remote: string; worker: string | null };

export interface SinkPoolStats {
  /** Requests waiting for a worker. */
  queued: number;
  /** Requests a worker is handling. */
  inFlight: number;
  workers: number;
  ready: number;
}

export interface SinkPoolHandle {
  url: string;
  workers(): WorkerInfo[];
  stats(): SinkPoolStats;
  /** Stops everything: waiting and in-flight requests get 503, workers are terminated. */
  close(): Promise<void>;
}

interface Worker {
  name: string;
  status: 'Pending' | 'Running';
  startTime: Date;
  readyTime: Date | null;
  busy: boolean;
  eventsHandled: number;
  timer: NodeJS.Timeout | undefined;
}

interface PendingRequest {
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  remote: string;
  timer: NodeJS.Timeout;
  controller: AbortController;
  answered: boolean;
  worker: Worker | null;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return out;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${what} must be ≥ 0, not ${value}.`);
  return value;
}

/**
 * Starts the pool's ingress on loopback. Workers start on demand (target: one request per
 * worker, at most maxScale), each handles one request at a time, and leave after idleMs.
 */
export async function startSinkPool(options: SinkPoolOptions, onEvent: (event: SinkPoolEvent) => void): Promise<SinkPoolHandle> {
  const service = options.service ?? 'eventinghello';
  const revision = options.revision ?? '00001';
  const coldStartMs = nonNegative(options.coldStartMs ?? 500, 'coldStartMs');
  const idleMs = nonNegative(options.idleMs ?? 90_000, 'idleMs');
  const minScale = options.minScale ?? 0;
  const maxScale = options.maxScale ?? 10;
  const maxQueue = options.maxQueue ?? 1000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const workMs = nonNegative(options.workMs ?? 0, 'workMs');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxScale) || maxScale < 1) throw new UsageError(`maxScale must be a whole number ≥ 1, not ${maxScale}.`);
  if (!Number.isInteger(minScale) || minScale < 0 || minScale > maxScale) throw new UsageError(`minScale must be a whole number from 0 to maxScale (${maxScale}), not ${minScale}.`);
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new UsageError(`maxQueue must be a whole number ≥ 0, not ${maxQueue}.`);
  if (!(requestTimeoutMs > 0)) throw new UsageError(`requestTimeoutMs must be > 0, not ${requestTimeoutMs}.`);
  if (options.targetUrl !== undefined && options.command !== undefined) throw new UsageError('Choose either a target URL or a command for the sink, not both.');
  if (Array.isArray(options.command) && options.command.length === 0) throw new UsageError('The sink command is empty.');
  if (options.targetUrl !== undefined) {
    try {
      new URL(options.targetUrl);
    } catch {
      throw new UsageError(`"${options.targetUrl}" is not a URL.`, 'Example: http://127.0.0.1:8080/');
    }
  }

  const workers = new Map<string, Worker>();
  const queue: PendingRequest[] = [];
  const handling = new Set<Promise<void>>();
  /** Requests a worker is handling. */
  const active = new Set<PendingRequest>();
  let inFlight = 0;
  let closed = false;

  const emit = (event: SinkPoolEvent) => {
    try {
      onEvent(event);
    } catch {
      // a failing observer must not break the pool
    }
  };
  const info = (w: Worker): WorkerInfo => ({
    name: w.name,
    status: w.status,
    ready: w.status === 'Running',
    startTime: w.startTime.toISOString(),
    readyTime: w.readyTime?.toISOString() ?? null,
    busy: w.busy,
    eventsHandled: w.eventsHandled,
  });
  const log = (worker: Worker, line: string) => emit({ kind: 'log', worker: worker.name, line });

  const answer = (pending: PendingRequest, result: Answer) => {
    if (pending.answered) return;
    pending.answered = true;
    clearTimeout(pending.timer);
    const { response } = pending;
    if (response.destroyed) return;
    const headers = { ...result.headers };
    if (result.body !== undefined && typeof result.body === 'string' && headers['content-type'] === undefined) headers['content-type'] = 'text/plain';
    response.writeHead(result.status, headers).end(result.body);
  };
  const reject = (pending: PendingRequest, status: number, reason: string) => {
    if (pending.answered) return;
    emit({ kind: 'rejected', status, reason, remote: pending.remote, worker: pending.worker?.name ?? null });
    answer(pending, { status, body: `${reason}\n` });
  };

  // --- the autoscaler ----------------------------------------------------------------------

  const startWorker = () => {
    let name = `${service}-${revision}-deployment-${suffix()}`;
    while (workers.has(name)) name = `${service}-${revision}-deployment-${suffix()}`;
    const worker: Worker = { name, status: 'Pending', startTime: new Date(), readyTime: null, busy: false, eventsHandled: 0, timer: undefined };
    workers.set(name, worker);
    emit({ kind: 'worker', worker: name, status: 'starting', info: info(worker) });
    worker.timer = setTimeout(() => {
      worker.timer = undefined;
      if (closed || !workers.has(name)) return;
      worker.status = 'Running';
      worker.readyTime = new Date();
      log(worker, `INFO [io.quarkus] (main) eventing-hello started in ${seconds(coldStartMs)}. Listening on: http://0.0.0.0:8080`);
      emit({ kind: 'worker', worker: name, status: 'running', info: info(worker) });
      armIdle(worker);
      dispatch();
    }, coldStartMs);
  };

  const terminate = (worker: Worker) => {
    clearTimeout(worker.timer);
    worker.timer = undefined;
    workers.delete(worker.name);
    emit({ kind: 'worker', worker: worker.name, status: 'terminated', info: info(worker) });
  };

  /** Scale up when waiting + in-flight requests exceed the workers there are (target 1 each). */
  const reconcile = () => {
    if (closed) return;
    const demand = queue.length + inFlight;
    const current = workers.size;
    const desired = Math.min(maxScale, Math.max(minScale, demand));
    if (desired <= current) return;
    const reason = current === 0
      ? `cold start: ${demand} request${demand === 1 ? '' : 's'} waiting and no workers`
      : `${demand} requests waiting or in flight for ${current} worker${current === 1 ? '' : 's'} (target 1 each${desired === maxScale ? `, maxScale ${maxScale}` : ''})`;
    emit({ kind: 'scaled', from: current, to: desired, reason });
    for (let i = current; i < desired; i++) startWorker();
  };

  const armIdle = (worker: Worker) => {
    clearTimeout(worker.timer);
    worker.timer = setTimeout(() => {
      worker.timer = undefined;
      if (closed || worker.busy || !workers.has(worker.name) || queue.length > 0) return;
      if (workers.size <= minScale) return;
      const from = workers.size;
      emit({ kind: 'scaled', from, to: from - 1, reason: `${worker.name} idle for ${seconds(idleMs)}${from - 1 === 0 ? ' (scale to zero)' : ''}` });
      terminate(worker);
    }, idleMs);
    worker.timer.unref();
  };

  /** Hands waiting requests to ready, idle workers (oldest worker first, so extra ones go idle). */
  const dispatch = () => {
    while (!closed && queue.length > 0) {
      const worker = [...workers.values()].find((w) => w.status === 'Running' && !w.busy);
      if (!worker) break;
      const pending = queue.shift()!;
      run(worker, pending);
    }
  };

  const run = (worker: Worker, pending: PendingRequest) => {
    clearTimeout(worker.timer);
    worker.timer = undefined;
    worker.busy = true;
    pending.worker = worker;
    inFlight += 1;
    active.add(pending);
    const work = (async () => {
      try {
        const result = await handle(worker, pending);
        if (pending.controller.signal.aborted) return;
        answer(pending, result);
      } catch (error) {
        if (pending.controller.signal.aborted) return;
        const reason = `worker ${worker.name} failed: ${(error as Error).message}`;
        log(worker, `ERROR [firehose] (${worker.name}) ${(error as Error).message}`);
        reject(pending, 500, reason);
      } finally {
        active.delete(pending);
        worker.eventsHandled += 1;
        worker.busy = false;
        inFlight -= 1;
        if (!closed && workers.has(worker.name)) {
          armIdle(worker);
          dispatch();
        }
      }
    })();
    const settled = work.finally(() => handling.delete(settled));
    handling.add(settled);
  };

  // --- what a worker does --------------------------------------------------------------------

  /** The request as a CloudEvent (reported as handled), or the 400 answer (reported as rejected when `strict`). */
  const parse = (worker: Worker, pending: PendingRequest, strict: boolean): CloudEvent | Answer => {
    try {
      const event = parseHttpCloudEvent(pending.request.headers, pending.body);
      emit({ kind: 'event', worker: worker.name, event: summarize(event) });
      return event;
    } catch (error) {
      const reason = (error as Error).message;
      if (strict) emit({ kind: 'rejected', status: 400, reason, remote: pending.remote, worker: worker.name });
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: `${reason}\n` };
    }
  };
  const isAnswer = (value: CloudEvent | Answer): value is Answer => 'status' in value;

  const display = async (worker: Worker, pending: PendingRequest): Promise<Answer> => {
    const parsed = parse(worker, pending, true);
    if (isAnswer(parsed)) return parsed;
    const headers = pending.request.headers;
    const prefix = `INFO [eventing-hello] (${worker.name})`;
    log(worker, `${prefix} ExampleResource's @POST method invoked.`);
    for (const name of ['ce-id', 'ce-source', 'ce-specversion', 'ce-time', 'ce-type', 'content-type', 'content-length']) {
      log(worker, `${prefix} ${name}=${headers[name] ?? ''}`);
    }
    log(worker, `${prefix} POST:${pending.body.toString('utf8')}`);
    if (workMs > 0) await delay(workMs, undefined, { signal: pending.controller.signal });
    return { status: 202 };
  };

  const forward = async (worker: Worker, pending: PendingRequest, targetUrl: string): Promise<Answer> => {
    // Reported when it is a CloudEvent; anything else is still the target's call to answer.
    parse(worker, pending, false);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(pending.request.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const path = pending.request.url ?? '/';
    const url = path === '/' || path === '' ? targetUrl : new URL(path.replace(/^\/+/, ''), targetUrl.endsWith('/') ? targetUrl : `${targetUrl}/`).href;
    const method = pending.request.method ?? 'POST';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : pending.body,
        signal: pending.controller.signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (pending.controller.signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause;
      const reason = `Cannot reach ${url}: ${cause?.code ?? (error as Error).message}`;
      log(worker, `ERROR [firehose] (${worker.name}) ${reason}`);
      emit({ kind: 'rejected', status: 502, reason, remote: pending.remote, worker: worker.name });
      return { status: 502, body: `${reason}\n` };
    }
    const body = Buffer.from(await response.arrayBuffer());
    const out: Record<string, string> = {};
    for (const [name, value] of response.headers.entries()) {
      if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') out[name] = value;
    }
    log(worker, `INFO [firehose] (${worker.name}) ${method} ${url} → ${response.status}`);
    return { status: response.status, headers: out, body };
  };

  const command = async (worker: Worker, pending: PendingRequest, cmd: string | string[]): Promise<Answer> => {
    const parsed = parse(worker, pending, true);
    if (isAnswer(parsed)) return parsed;
    const env = { ...process.env, ...options.env, K_SERVICE: service, K_REVISION: `${service}-${revision}`, HOSTNAME: worker.name };
    const child = typeof cmd === 'string'
      ? spawn(cmd, { shell: true, env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], signal: pending.controller.signal })
      : spawn(cmd[0]!, cmd.slice(1), { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], signal: pending.controller.signal });
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
    if (pending.controller.signal.aborted) throw new Error('aborted');
    if (result.error) {
      const reason = `Cannot run ${typeof cmd === 'string' ? cmd : cmd.join(' ')}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`;
      log(worker, `ERROR [firehose] (${worker.name}) ${reason}`);
      emit({ kind: 'rejected', status: 500, reason, remote: pending.remote, worker: worker.name });
      return { status: 500, body: `${reason}\n` };
    }
    if (result.code === 0) return { status: 202 };
    const how = result.code === null ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    const reason = `The command ${how}.`;
    log(worker, `ERROR [firehose] (${worker.name}) ${reason}`);
    emit({ kind: 'rejected', status: 500, reason, remote: pending.remote, worker: worker.name });
    return { status: 500, body: `${reason}\n` };
  };

  const handle = (worker: Worker, pending: PendingRequest): Promise<Answer> => {
    if (options.targetUrl !== undefined) return forward(worker, pending, options.targetUrl);
    if (options.command !== undefined) return command(worker, pending, options.command);
    return display(worker, pending);
  };

  // --- the ingress (activator) ---------------------------------------------------------------

  const server = createServer(async (request, response) => {
    const remote = remoteOf(request);
    const early = (status: number, reason: string) => {
      emit({ kind: 'rejected', status, reason, remote, worker: null });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(`${reason}\n`);
    };
    if (closed) return early(503, 'Shutting down.');
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      return error instanceof BodyTooLargeError ? early(413, error.message) : undefined;
    }
    if (closed) return early(503, 'Shutting down.');
    if (queue.length >= maxQueue) return early(503, `Too many requests waiting (${queue.length}, maxQueue ${maxQueue}).`);
    const pending: PendingRequest = {
      request,
      response,
      body,
      remote,
      controller: new AbortController(),
      answered: false,
      worker: null,
      timer: setTimeout(() => {
        const index = queue.indexOf(pending);
        if (index >= 0) queue.splice(index, 1);
        reject(pending, 504, `No answer within ${seconds(requestTimeoutMs)} (${index >= 0 ? 'still waiting for a worker' : `worker ${pending.worker?.name ?? '?'} did not finish`}).`);
        pending.controller.abort();
      }, requestTimeoutMs),
    };
    response.on('close', () => {
      if (pending.answered) return;
      // The client went away: forget the request, stop its work.
      pending.answered = true;
      clearTimeout(pending.timer);
      const index = queue.indexOf(pending);
      if (index >= 0) queue.splice(index, 1);
      pending.controller.abort();
    });
    queue.push(pending);
    reconcile();
    dispatch();
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  if (minScale > 0) {
    emit({ kind: 'scaled', from: 0, to: minScale, reason: `minScale ${minScale}` });
    for (let i = 0; i < minScale; i++) startWorker();
  }

  return {
    url,
    workers: () => [...workers.values()].map(info),
    stats: () => ({
      queued: queue.length,
      inFlight,
      workers: workers.size,
      ready: [...workers.values()].filter((w) => w.status === 'Running').length,
    }),
    async close() {
      if (closed) return;
      closed = true;
      const finished: Promise<unknown>[] = [];
      const shut = (pending: PendingRequest) => {
        if (pending.answered) return;
        if (!pending.response.destroyed) finished.push(new Promise((resolve) => pending.response.once('close', resolve)));
        reject(pending, 503, 'Shutting down.');
        pending.controller.abort();
      };
      for (const pending of queue.splice(0)) shut(pending);
      for (const pending of [...active]) shut(pending);
      const count = workers.size;
      if (count > 0) emit({ kind: 'scaled', from: count, to: 0, reason: 'shutting down' });
      for (const worker of [...workers.values()]) terminate(worker);
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([Promise.all(finished), delay(1000, undefined, { ref: false })]);
      server.closeAllConnections();
      await Promise.race([Promise.allSettled([...handling]), delay(2000, undefined, { ref: false })]);
      await closing;
    },
  };
}
