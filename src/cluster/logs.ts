import type { ClusterClient } from './connect.js';
import { translateStatusError } from './errors.js';
import { listPods, openStream, pause, podKey, readLines, StreamStatusError, watchPods, type PodSummary } from './pods.js';

export interface FollowLogsOptions {
  /** Namespace of the pods; undefined: every namespace (kubectl -A). */
  namespace?: string;
  labelSelector?: string;
  nameRegex?: RegExp;
  /**
   * Which container: a name, or 'all'. Default: the pod's only container, else
   * user-container (Knative's), else the first one.
   */
  container?: string;
  /** Only lines newer than this (until a line has been seen; then reopening continues from it). */
  sinceSeconds?: number;
  /** Only the last N lines of each container (likewise). */
  tailLines?: number;
  signal: AbortSignal;
  /** Passed to watchPods (tests: make the server end watches early). */
  watchTimeoutSeconds?: number;
  /** Drop each log stream after this long and reopen it (tests: a dropped stream, on demand). */
  logStreamMaxSeconds?: number;
}

/** `namespace` is the pod's (the local lab's workers have none). */
export type LogEvent =
  | { kind: 'line'; namespace?: string; pod: string; container: string; time: string; line: string }
  | { kind: 'pod-added'; namespace?: string; pod: string; containers: string[] }
  | { kind: 'pod-gone'; namespace?: string; pod: string }
  | { kind: 'waiting' }
  | { kind: 'stream-error'; namespace?: string; pod: string; container: string; message: string }
  | { kind: 'resumed'; reason: string }
  /** A log stream ended while its pod still runs: it is reopened from the last line's timestamp. */
  | { kind: 'stream-ended'; pod: string; container: string };

/** 2026-11-24T14:15:06.12Z → 2026-11-24T14:15:06.120000000Z: comparable as strings. */
export function normalizeTimestamp(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
}

/** Splits "TIMESTAMP text" (what timestamps=true gives). */
export function splitTimestamp(raw: string): { time: string; line: string } {
  const at = raw.indexOf(' ');
  const head = at < 0 ? raw : raw.slice(0, at);
  if (/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(head)) return { time: normalizeTimestamp(head), line: at < 0 ? '' : raw.slice(at + 1) };
  return { time: '', line: raw };
}

/** The log path of a pod (in its own namespace, else the given one). */
function logPath(pod: PodSummary, namespace: string | undefined): string {
  return `/api/v1/namespaces/${encodeURIComponent(pod.namespace ?? namespace ?? '')}/pods/${encodeURIComponent(pod.name)}/log`;
}

/** The message of a failed log request, translated as the API's errors are. */
function streamErrorMessage(error: unknown, client: ClusterClient, pod: PodSummary, container: string): string {
  return error instanceof StreamStatusError
    ? translateStatusError(error.status, error.body, { what: `read the log of ${pod.name}/${container}`, server: client.server }).message
    : (error as Error).message;
}

export function pickContainers(pod: PodSummary, container: string | undefined): string[] {
  if (container === 'all') return pod.containers;
  if (container) return pod.containers.includes(container) ? [container] : [];
  if (pod.containers.length <= 1) return pod.containers;
  return pod.containers.includes('user-container') ? ['user-container'] : pod.containers.slice(0, 1);
}

interface Tracked {
  pod: PodSummary;
  controller: AbortController;
  streams: Promise<void>[];
}

/**
 * Follows the logs of every running pod the selector (and name regex) matches, like
 * `stern`: pods that start are picked up, pods that go away are reported. A stream that
 * drops while its pod still runs is reopened from the last line's timestamp, and lines at
 * or before it that were already emitted are skipped, so no line repeats.
 * Resolves when the signal aborts.
 */
export async function followPodLogs(client: ClusterClient, options: FollowLogsOptions, onEvent: (event: LogEvent) => void): Promise<void> {
  const { namespace, signal } = options;
  const tracked = new Map<string, Tracked>();
  let waiting = false;
  let synced = false;

  const checkWaiting = () => {
    if (!synced) return;
    if (tracked.size === 0) {
      if (!waiting) onEvent({ kind: 'waiting' });
      waiting = true;
    } else {
      waiting = false;
    }
  };

  const stop = (pod: PodSummary) => {
    const t = tracked.get(podKey(pod));
    if (!t) return;
    tracked.delete(podKey(pod));
    t.controller.abort();
    onEvent({ kind: 'pod-gone', namespace: pod.namespace, pod: pod.name });
  };

  const follow = async (t: Tracked, container: string): Promise<void> => {
    const podName = t.pod.name;
    const podNamespace = t.pod.namespace;
    const streamSignal = t.controller.signal;
    const path = logPath(t.pod, namespace);
    /** The newest timestamp emitted, and how many lines carried exactly it. */
    let lastTime = '';
    let atLastTime = 0;
    let failures = 0;
    while (!streamSignal.aborted) {
      const query: Record<string, string | number | boolean | undefined> = { container, follow: true, timestamps: true };
      if (lastTime) query.sinceTime = `${lastTime.slice(0, 19)}Z`;
      else {
        query.sinceSeconds = options.sinceSeconds;
        query.tailLines = options.tailLines;
      }
      let skipAtLastTime = atLastTime;
      try {
        const res = await openStream(client, path, query, streamSignal);
        failures = 0;
        const abortStream = () => res.destroy();
        streamSignal.addEventListener('abort', abortStream, { once: true });
        const cap = options.logStreamMaxSeconds ? setTimeout(abortStream, options.logStreamMaxSeconds * 1000) : undefined;
        try {
          await readLines(res, (raw) => {
            if (streamSignal.aborted) return;
            const { time, line } = splitTimestamp(raw.replace(/\r$/, ''));
            if (time && lastTime) {
              if (time < lastTime) return;
              if (time === lastTime) {
                if (skipAtLastTime > 0) {
                  skipAtLastTime -= 1;
                  return;
                }
                atLastTime += 1;
              } else {
                lastTime = time;
                atLastTime = 1;
                skipAtLastTime = 0;
              }
            } else if (time) {
              lastTime = time;
              atLastTime = 1;
            }
            onEvent({ kind: 'line', namespace: podNamespace, pod: podName, container, time, line });
          });
        } finally {
          if (cap) clearTimeout(cap);
          streamSignal.removeEventListener('abort', abortStream);
        }
        if (!streamSignal.aborted) onEvent({ kind: 'stream-ended', pod: podName, container });
      } catch (error) {
        if (streamSignal.aborted) return;
        failures += 1;
        // A container that is not running yet answers 400: try again while the pod exists.
        if (failures === 3) {
          onEvent({ kind: 'stream-error', namespace: podNamespace, pod: podName, container, message: streamErrorMessage(error, client, t.pod, container) });
        }
      }
      if (streamSignal.aborted) return;
      // The stream ended but the pod is still here: reopen (backing off while it keeps failing).
      await pause(failures ? Math.min(5_000, 250 * 2 ** Math.min(failures, 4)) : 200, streamSignal);
    }
  };

  const start = (pod: PodSummary) => {
    const controller = new AbortController();
    const t: Tracked = { pod, controller, streams: [] };
    tracked.set(podKey(pod), t);
    const containers = pickContainers(pod, options.container);
    onEvent({ kind: 'pod-added', namespace: pod.namespace, pod: pod.name, containers });
    t.streams = containers.map((c) => follow(t, c));
  };

  const onAbort = () => {
    for (const t of tracked.values()) t.controller.abort();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await watchPods(client, {
      namespace,
      labelSelector: options.labelSelector,
      nameRegex: options.nameRegex,
      signal,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      onSync: () => {
        synced = true;
        checkWaiting();
      },
      onResume: (reason) => onEvent({ kind: 'resumed', reason }),
    }, ({ type, pod }) => {
      if (type === 'deleted' || !pod.running) {
        stop(pod);
      } else if (!tracked.has(podKey(pod))) {
        start(pod);
      } else {
        tracked.get(podKey(pod))!.pod = pod;
      }
      checkWaiting();
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    const all = [...tracked.values()];
    for (const t of all) t.controller.abort();
    await Promise.all(all.flatMap((t) => t.streams));
  }
}

export type PrintLogsOptions = Pick<FollowLogsOptions, 'namespace' | 'labelSelector' | 'nameRegex' | 'container' | 'sinceSeconds' | 'tailLines' | 'signal'>;

export interface PrintLogsResult {
  /** The running pods that matched (their logs were read). */
  pods: number;
  /** Log streams that could not be read (each reported as a stream-error event). */
  failed: number;
}

/**
 * The logs that exist now of every running pod the selector (and name regex) match, like
 * `stern --no-follow` or `kubectl logs` without -f: each container's log is read to its end
 * once, all at the same time; no pod watch. Resolves when every stream has ended (or the
 * signal aborts). A log that cannot be read is reported as a stream-error, not retried.
 */
export async function printPodLogs(client: ClusterClient, options: PrintLogsOptions, onEvent: (event: LogEvent) => void): Promise<PrintLogsResult> {
  const { signal } = options;
  const pods = (await listPods(client, options)).filter((pod) => pod.running);
  let failed = 0;
  const read = async (pod: PodSummary, container: string): Promise<void> => {
    const query = { container, timestamps: true, sinceSeconds: options.sinceSeconds, tailLines: options.tailLines };
    try {
      const res = await openStream(client, logPath(pod, options.namespace), query, signal);
      const abortStream = () => res.destroy();
      signal.addEventListener('abort', abortStream, { once: true });
      try {
        await readLines(res, (raw) => {
          if (signal.aborted) return;
          const { time, line } = splitTimestamp(raw.replace(/\r$/, ''));
          onEvent({ kind: 'line', namespace: pod.namespace, pod: pod.name, container, time, line });
        });
      } finally {
        signal.removeEventListener('abort', abortStream);
      }
    } catch (error) {
      if (signal.aborted) return;
      failed += 1;
      onEvent({ kind: 'stream-error', namespace: pod.namespace, pod: pod.name, container, message: streamErrorMessage(error, client, pod, container) });
    }
  };
  const streams = pods.flatMap((pod) => {
    const containers = pickContainers(pod, options.container);
    onEvent({ kind: 'pod-added', namespace: pod.namespace, pod: pod.name, containers });
    return containers.map((container) => read(pod, container));
  });
  await Promise.all(streams);
  return { pods: pods.length, failed };
}
