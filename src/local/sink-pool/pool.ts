/**
 * The lab's Knative Service (`eventinghello`: containerConcurrency 1, target 1, maxScale 10,
 * scale to zero when idle) on this machine, put together from its parts: the ingress that
 * queues requests like the activator (`ingress.ts`), the autoscaler's decisions
 * (`autoscaler.ts`), the simulated pods (`workers.ts`) and what a pod does with a request
 * (`handlers.ts`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ENV, type EnvSource } from '../../config/env.js';
import type { FunctionProcess } from '../../functions/runtime-process.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../util/http-server.js';
import { initialScale, scaleDownIdle, scaleForDemand, scaleForShutdown, type ScaleDecision } from './autoscaler.js';
import type { SinkPoolEvent, WorkerInfo } from './events.js';
import { createHandler } from './handlers.js';
import { answer, reject, shutDown, startIngress, type PendingRequest } from './ingress.js';
import { createWorkerSet, workerInfo, type Worker } from './workers.js';

export type { SinkPoolEvent, WorkerInfo } from './events.js';

export interface SinkPoolOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The flag that chose the port, for the hint when it is taken. */
  portFlag?: string;
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
  /**
   * Each worker runs this function (a folder or .js file, see runtime/function-runtime.mjs) in
   * its own runtime process, started when the worker starts (the cold start) and stopped
   * when it leaves; requests go to it, its output is the worker's log.
   */
  function?: { path: string; timeoutMs: number };
  /**
   * The environment `command` runs in (the caller's, e.g. the CLI's `rt.env`); K_SERVICE,
   * K_REVISION and HOSTNAME are set on top, as in a Knative pod. Default: none but those three
   * (core modules never read process.env; only the CLI's entry point does).
   */
  env?: EnvSource;
  cwd?: string;
}

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
  /** The Knative Service it stands for (worker names start with it). */
  service: string;
  workers(): WorkerInfo[];
  stats(): SinkPoolStats;
  /** Stops everything: waiting and in-flight requests get 503, workers are terminated. */
  close(): Promise<void>;
}

/**
 * One function runtime process per worker: started by the worker's boot, stopped when it is
 * terminated; a process that exits on its own takes its worker with it (`gone`).
 */
function functionProcesses(
  fn: { path: string; timeoutMs: number },
  service: string,
  revision: string,
  env: EnvSource,
  log: (worker: Worker, line: string) => void,
  gone: (worker: Worker) => void,
) {
  const running = new Map<string, FunctionProcess>();
  return {
    url: (worker: string) => running.get(worker)?.url,
    async boot(worker: Worker): Promise<string | undefined> {
      const { startFunctionProcess } = await import('../../functions/runtime-process.js');
      const started = await startFunctionProcess({
        path: fn.path,
        port: 0,
        timeoutMs: fn.timeoutMs,
        // What Knative sets in a pod: the service, the revision, and the pod's name as its hostname.
        env: { ...env, [ENV.kService]: service, [ENV.kRevision]: `${service}-${revision}`, [ENV.hostname]: worker.name },
        onLine: (line) => log(worker, line),
      });
      running.set(worker.name, started);
      void started.exited.then(({ code, signal }) => {
        if (running.get(worker.name) !== started) return;
        running.delete(worker.name);
        log(worker, `ERROR [firehose] (${worker.name}) the function runtime ${code === null ? `was killed by ${signal}` : `exited with code ${code}`}`);
        gone(worker);
      });
      return undefined;
    },
    stop(worker: Worker): void {
      const started = running.get(worker.name);
      running.delete(worker.name);
      void started?.stop();
    },
    async stopAll(): Promise<void> {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((p) => p.stop()));
    },
  };
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
  if ([options.targetUrl, options.command, options.function].filter((x) => x !== undefined).length > 1) throw new UsageError('Choose one of a target URL, a command or a function for the service, not several.');
  if (Array.isArray(options.command) && options.command.length === 0) throw new UsageError('The sink command is empty.');
  if (options.targetUrl !== undefined) {
    try {
      new URL(options.targetUrl);
    } catch {
      throw new UsageError(`"${options.targetUrl}" is not a URL.`, 'Example: http://127.0.0.1:8080/');
    }
  }
  const bounds = { minScale, maxScale };

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

  const env = options.env ?? {};
  const functions = options.function ? functionProcesses(options.function, service, revision, env, (worker, line) => workers.log(worker, line), (worker) => {
    if (closed || !workers.has(worker)) return;
    workers.terminate(worker);
    scale(scaleForDemand(bounds, { queued: ingress.queue.length, inFlight, workers: workers.size() }));
  }) : undefined;

  const handle = createHandler({
    service,
    revision,
    workMs,
    targetUrl: options.targetUrl,
    workerUrl: functions?.url,
    command: options.command,
    env,
    cwd: options.cwd,
  }, emit);

  const workers = createWorkerSet({ service, revision, coldStartMs, idleMs, process: functions }, {
    emit,
    onReady: () => dispatch(),
    onIdle: (worker) => {
      if (closed) return;
      const decision = scaleDownIdle(bounds, { name: worker.name, busy: worker.busy, idleMs, queued: ingress.queue.length, workers: workers.size() });
      if (!decision) return;
      emit({ kind: 'scaled', ...decision });
      workers.terminate(worker);
    },
  });

  const scale = (decision: ScaleDecision | null) => {
    if (!decision) return;
    emit({ kind: 'scaled', ...decision });
    for (let i = decision.from; i < decision.to; i++) workers.start();
  };

  /** Hands waiting requests to ready, idle workers (oldest worker first, so extra ones go idle). */
  const dispatch = () => {
    while (!closed && ingress.queue.length > 0) {
      const worker = workers.idle();
      if (!worker) break;
      run(worker, ingress.queue.shift()!);
    }
  };

  const run = (worker: Worker, pending: PendingRequest) => {
    workers.claim(worker);
    pending.worker = worker.name;
    inFlight += 1;
    active.add(pending);
    const work = (async () => {
      try {
        const result = await handle(worker.name, { request: pending.request, body: pending.body, remote: pending.remote, signal: pending.controller.signal });
        if (pending.controller.signal.aborted) return;
        answer(pending, result);
      } catch (error) {
        if (pending.controller.signal.aborted) return;
        const reason = `worker ${worker.name} failed: ${(error as Error).message}`;
        workers.log(worker, `ERROR [firehose] (${worker.name}) ${(error as Error).message}`);
        reject(pending, 500, reason, emit);
      } finally {
        active.delete(pending);
        inFlight -= 1;
        if (workers.release(worker) && !closed) dispatch();
      }
    })();
    const settled = work.finally(() => handling.delete(settled));
    handling.add(settled);
  };

  const ingress = await startIngress({ port: options.port ?? 0, portFlag: options.portFlag, host: options.host ?? '127.0.0.1', maxBodyBytes, maxQueue, requestTimeoutMs }, {
    emit,
    closed: () => closed,
    arrived: () => {
      if (!closed) scale(scaleForDemand(bounds, { queued: ingress.queue.length, inFlight, workers: workers.size() }));
      dispatch();
    },
  });

  scale(initialScale(bounds));

  return {
    url: ingress.url,
    service,
    workers: () => workers.all().map(workerInfo),
    stats: () => ({ queued: ingress.queue.length, inFlight, workers: workers.size(), ready: workers.ready() }),
    async close() {
      if (closed) return;
      closed = true;
      const finished: Promise<unknown>[] = [];
      for (const pending of [...ingress.queue.splice(0), ...active]) {
        const closing = shutDown(pending, emit);
        if (closing) finished.push(closing);
      }
      const decision = scaleForShutdown(workers.size());
      if (decision) emit({ kind: 'scaled', ...decision });
      workers.stop();
      await functions?.stopAll();
      const closing = ingress.stopAccepting();
      await Promise.race([Promise.all(finished), delay(1000, undefined, { ref: false })]);
      ingress.dropConnections();
      await Promise.race([Promise.allSettled([...handling]), delay(2000, undefined, { ref: false })]);
      await closing;
    },
  };
}
