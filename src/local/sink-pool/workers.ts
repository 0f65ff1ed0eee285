/**
 * The workers: simulated pods of the Knative Service, named as Kubernetes names a
 * Deployment's pods. A worker is Pending for the cold start, then Running; it handles one
 * request at a time, and its idle timer asks the pool whether it should go.
 */
import { randomInt } from 'node:crypto';
import { seconds, type Emit, type WorkerInfo } from './events.js';

export interface Worker {
  name: string;
  status: 'Pending' | 'Running';
  startTime: Date;
  readyTime: Date | null;
  busy: boolean;
  eventsHandled: number;
  /** The cold-start timer while Pending, the idle timer while Running and not busy. */
  timer: NodeJS.Timeout | undefined;
}

export interface WorkerSetOptions {
  /** The Knative Service's name, the first part of worker names. */
  service: string;
  /** The revision's number ("00001"), the second part. */
  revision: string;
  /** Time from Pending to Running. */
  coldStartMs: number;
  /** Time a Running worker waits idle before `onIdle` is asked about it. */
  idleMs: number;
  /**
   * Starts what the worker runs (a function's runtime process) instead of the simulated cold
   * start: the worker is Running once it resolves and leaves when it rejects. Its result is
   * the first log line. `stop` ends it when the worker is terminated.
   */
  process?: {
    boot(worker: Worker): Promise<string | undefined>;
    stop(worker: Worker): void;
  };
}

export interface WorkerSetHooks {
  emit: Emit;
  /** A worker became Running (and idle): hand it work. */
  onReady: (worker: Worker) => void;
  /** A worker has been idle for idleMs: terminate it or not. */
  onIdle: (worker: Worker) => void;
  /** A worker's process failed to start (it is gone already). */
  onFailed?: (worker: Worker) => void;
}

export interface WorkerSet {
  /** Creates a Pending worker that becomes Running after the cold start. */
  start(): Worker;
  /** Removes a worker at once (its timers too). */
  terminate(worker: Worker): void;
  /** Marks a worker busy with a request (its idle timer stops). */
  claim(worker: Worker): void;
  /** Marks a worker free again after a request and restarts its idle timer, unless it is gone. Returns whether it is still there. */
  release(worker: Worker): boolean;
  /** The oldest Running worker that is not busy (so extra ones go idle and leave). */
  idle(): Worker | undefined;
  has(worker: Worker): boolean;
  size(): number;
  ready(): number;
  all(): Worker[];
  /** Terminates every worker; none starts afterwards. */
  stop(): void;
  log(worker: Worker, line: string): void;
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return out;
}

export function workerInfo(w: Worker): WorkerInfo {
  return {
    name: w.name,
    status: w.status,
    ready: w.status === 'Running',
    startTime: w.startTime.toISOString(),
    readyTime: w.readyTime?.toISOString() ?? null,
    busy: w.busy,
    eventsHandled: w.eventsHandled,
  };
}

export function createWorkerSet(options: WorkerSetOptions, hooks: WorkerSetHooks): WorkerSet {
  const { service, revision, coldStartMs, idleMs } = options;
  const { emit } = hooks;
  const workers = new Map<string, Worker>();
  let stopped = false;

  const log = (worker: Worker, line: string) => emit({ kind: 'log', worker: worker.name, line });

  const armIdle = (worker: Worker) => {
    clearTimeout(worker.timer);
    worker.timer = setTimeout(() => {
      worker.timer = undefined;
      if (stopped || !workers.has(worker.name)) return;
      hooks.onIdle(worker);
    }, idleMs);
    worker.timer.unref();
  };

  const terminate = (worker: Worker) => {
    clearTimeout(worker.timer);
    worker.timer = undefined;
    if (!workers.delete(worker.name)) return;
    options.process?.stop(worker);
    emit({ kind: 'worker', worker: worker.name, status: 'terminated', info: workerInfo(worker) });
  };

  return {
    start() {
      let name = `${service}-${revision}-deployment-${suffix()}`;
      while (workers.has(name)) name = `${service}-${revision}-deployment-${suffix()}`;
      const worker: Worker = { name, status: 'Pending', startTime: new Date(), readyTime: null, busy: false, eventsHandled: 0, timer: undefined };
      workers.set(name, worker);
      emit({ kind: 'worker', worker: name, status: 'starting', info: workerInfo(worker) });
      const ready = (firstLine: string | undefined) => {
        if (stopped || !workers.has(name)) return;
        worker.status = 'Running';
        worker.readyTime = new Date();
        if (firstLine !== undefined) log(worker, firstLine);
        emit({ kind: 'worker', worker: name, status: 'running', info: workerInfo(worker) });
        armIdle(worker);
        hooks.onReady(worker);
      };
      if (options.process) {
        options.process.boot(worker).then(ready, (error: Error) => {
          if (stopped || !workers.has(name)) return;
          log(worker, `ERROR [firehose] (${name}) ${error.message}`);
          terminate(worker);
          hooks.onFailed?.(worker);
        });
        return worker;
      }
      worker.timer = setTimeout(() => {
        worker.timer = undefined;
        ready(`INFO [io.quarkus] (main) eventing-hello started in ${seconds(coldStartMs)}. Listening on: http://0.0.0.0:8080`);
      }, coldStartMs);
      return worker;
    },
    terminate,
    claim(worker) {
      clearTimeout(worker.timer);
      worker.timer = undefined;
      worker.busy = true;
    },
    release(worker) {
      worker.eventsHandled += 1;
      worker.busy = false;
      if (stopped || !workers.has(worker.name)) return false;
      armIdle(worker);
      return true;
    },
    idle: () => [...workers.values()].find((w) => w.status === 'Running' && !w.busy),
    has: (worker) => workers.has(worker.name),
    size: () => workers.size,
    ready: () => [...workers.values()].filter((w) => w.status === 'Running').length,
    all: () => [...workers.values()],
    stop() {
      stopped = true;
      for (const worker of [...workers.values()]) terminate(worker);
    },
    log,
  };
}
