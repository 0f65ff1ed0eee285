import type { IncomingMessage, RequestOptions } from 'node:http';
import type { ClusterClient } from './connect.js';
import { translateNetworkError, translateStatusError } from './errors.js';
import { UsageError } from '../errors.js';

/** One pod as `kubectl get pods` shows it. */
export interface PodSummary {
  name: string;
  /** The pod's namespace (the local lab's workers have none). */
  namespace?: string;
  /** Ready containers / all containers, e.g. "1/2". */
  ready: string;
  /** Running, Pending, Terminating, ContainerCreating, CrashLoopBackOff, Completed, ... */
  status: string;
  restarts: number;
  /** When the pod was created (ISO time), for AGE. */
  startTime: string;
  containers: string[];
  /** Phase Running and not being deleted: its logs can be followed. */
  running: boolean;
  /** Every container ready (and not being deleted). */
  allReady: boolean;
}

export type PodEventType = 'added' | 'modified' | 'deleted';

export interface PodEvent {
  type: PodEventType;
  pod: PodSummary;
}

export interface WatchPodsOptions {
  /** Namespace to watch; undefined: every namespace (kubectl -A; needs cluster-wide list rights). */
  namespace?: string;
  labelSelector?: string;
  /** Only pods whose name matches. */
  nameRegex?: RegExp;
  signal: AbortSignal;
  /** Ask the server to end each watch after this many seconds (it is then resumed). Default: the server's choice. */
  watchTimeoutSeconds?: number;
  /** Called after each (re-)list has been reconciled: the current state is known. */
  onSync?: (pods: PodSummary[]) => void;
  /** Called when the watch had to be resumed (dropped stream, 410 Gone, network error). */
  onResume?: (reason: string) => void;
}

interface KubePod {
  metadata: { name: string; namespace?: string; creationTimestamp?: string; deletionTimestamp?: string; resourceVersion?: string };
  spec?: { containers?: { name: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    startTime?: string;
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number }; running?: unknown };
    }[];
  };
}

/** The STATUS column, the way kubectl computes it (simplified). */
export function podStatus(pod: KubePod): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  let status = pod.status?.reason || pod.status?.phase || 'Unknown';
  for (const c of pod.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting?.reason;
    const terminated = c.state?.terminated;
    if (waiting && waiting !== 'PodInitializing') status = waiting;
    else if (terminated && status === 'Running') status = terminated.reason || (terminated.exitCode ? 'Error' : 'Completed');
  }
  return status;
}

export function summarizePod(pod: KubePod): PodSummary {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const statuses = pod.status?.containerStatuses ?? [];
  const readyCount = statuses.filter((c) => c.ready).length;
  const deleting = Boolean(pod.metadata.deletionTimestamp);
  const phase = pod.status?.phase;
  return {
    name: pod.metadata.name,
    ...(pod.metadata.namespace ? { namespace: pod.metadata.namespace } : {}),
    ready: `${readyCount}/${containers.length}`,
    status: podStatus(pod),
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    startTime: pod.metadata.creationTimestamp ?? pod.status?.startTime ?? '',
    containers,
    running: phase === 'Running' && !deleting,
    allReady: !deleting && containers.length > 0 && readyCount === containers.length,
  };
}

/** "5s", "3m", "2h", "4d" (like kubectl's AGE, coarser). */
export function formatAge(startTime: string, now = Date.now()): string {
  const t = Date.parse(startTime);
  if (!Number.isFinite(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Resolves after ms, or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A non-2xx answer to a streaming request. */
export class StreamStatusError extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

/**
 * A streaming GET (watch, logs?follow): resolves with the open 2xx response, rejects with a
 * StreamStatusError for any other answer, or the translated network error.
 */
export async function openStream(
  client: ClusterClient, path: string, query: Record<string, string | number | boolean | undefined>, signal: AbortSignal,
): Promise<IncomingMessage> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const url = new URL(`${client.server}${path}${params.size ? `?${params}` : ''}`);
  const opts: RequestOptions = { method: 'GET', headers: { Accept: 'application/json, */*' } };
  await client.kubeConfig.applyToHTTPSOptions(opts as never);
  const { request } = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  const ctx = { what: `GET ${path}`, server: client.server };
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { ...opts, signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve(res);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('error', (error) => reject(translateNetworkError(error, ctx)));
      res.on('end', () => reject(new StreamStatusError(status, text)));
    });
    // No answer at all within 15 s: the server is unreachable.
    req.setTimeout(15_000, () => req.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'ETIMEDOUT' })));
    req.on('response', () => req.setTimeout(0));
    req.on('error', (error) => reject(signal.aborted ? error : translateNetworkError(error, ctx)));
    req.end();
  });
}

/** Calls onLine for each line of the stream; resolves when it ends (or errors, or aborts). */
export function readLines(res: IncomingMessage, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        onLine(line);
      }
    });
    // Only a stream that ended cleanly has a last line without a newline; after a drop, a
    // partial line is dropped too (the reopened stream sends it again, whole).
    res.on('end', () => {
      if (buffer) onLine(buffer);
      buffer = '';
      resolve();
    });
    res.on('error', () => resolve());
    res.on('close', () => resolve());
  });
}

function samePod(a: PodSummary, b: PodSummary): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What tells pods apart: with every namespace watched, two can share a name. */
export function podKey(pod: { name: string; namespace?: string }): string {
  return pod.namespace ? `${pod.namespace}/${pod.name}` : pod.name;
}

/** The pods path: one namespace's, or every namespace's. */
export function podsPath(namespace: string | undefined): string {
  return namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

/** "observe", or "all namespaces", for messages. */
export function namespacesText(namespace: string | undefined): string {
  return namespace ?? 'all namespaces';
}

export interface ListPodsOptions {
  /** Namespace to list; undefined: every namespace. */
  namespace?: string;
  labelSelector?: string;
  /** Only pods whose name matches. */
  nameRegex?: RegExp;
  signal?: AbortSignal;
}

/** The pods the selector (and name regex) match now, by namespace and name. */
export async function listPods(client: ClusterClient, options: ListPodsOptions): Promise<PodSummary[]> {
  const list = await client.json<{ items: KubePod[] }>('GET', podsPath(options.namespace), {
    query: { labelSelector: options.labelSelector }, signal: options.signal, what: `list pods in ${namespacesText(options.namespace)}`,
  });
  return list.items.map(summarizePod)
    .filter((pod) => !options.nameRegex || options.nameRegex.test(pod.name))
    .sort((a, b) => podKey(a).localeCompare(podKey(b)));
}

/**
 * Lists the pods matching the selector, then watches them; emits one event per change (a
 * MODIFIED that changes nothing shown is dropped). On a dropped stream it resumes from the
 * last resourceVersion; on 410 Gone (or any error) it lists again and emits the difference.
 * Resolves when the signal aborts; throws only when the first list fails.
 */
export async function watchPods(client: ClusterClient, options: WatchPodsOptions, onEvent: (event: PodEvent) => void): Promise<void> {
  const { namespace, signal } = options;
  const path = podsPath(namespace);
  const where = namespacesText(namespace);
  const known = new Map<string, PodSummary>();
  const wanted = (name: string) => !options.nameRegex || options.nameRegex.test(name);
  const apply = (type: 'upsert' | 'deleted', pod: PodSummary) => {
    if (!wanted(pod.name)) return;
    const key = podKey(pod);
    const before = known.get(key);
    if (type === 'deleted') {
      if (!before) return;
      known.delete(key);
      onEvent({ type: 'deleted', pod });
      return;
    }
    known.set(key, pod);
    if (!before) onEvent({ type: 'added', pod });
    else if (!samePod(before, pod)) onEvent({ type: 'modified', pod });
  };

  let first = true;
  let failures = 0;
  while (!signal.aborted) {
    // List, and reconcile with what we knew.
    let resourceVersion: string;
    try {
      const list = await client.json<{ metadata: { resourceVersion: string }; items: KubePod[] }>('GET', path, {
        query: { labelSelector: options.labelSelector }, signal, what: `list pods in ${where}`,
      });
      resourceVersion = list.metadata.resourceVersion;
      const seen = new Set<string>();
      for (const item of list.items) {
        const pod = summarizePod(item);
        seen.add(podKey(pod));
        apply('upsert', pod);
      }
      for (const [key, pod] of [...known]) if (!seen.has(key)) apply('deleted', pod);
      options.onSync?.([...known.values()]);
    } catch (error) {
      if (signal.aborted) return;
      if (first) throw error;
      failures += 1;
      options.onResume?.(`list failed: ${(error as Error).message}`);
      await pause(Math.min(5_000, 500 * 2 ** Math.min(failures, 4)), signal);
      continue;
    }
    first = false;

    // Watch from there; resume from the last resourceVersion while the server allows it.
    let relist = false;
    while (!signal.aborted && !relist) {
      let res: IncomingMessage;
      try {
        res = await openStream(client, path, {
          watch: 1, resourceVersion, allowWatchBookmarks: true, labelSelector: options.labelSelector,
          timeoutSeconds: options.watchTimeoutSeconds,
        }, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof StreamStatusError && error.status !== 410 && error.status < 500 && error.status !== 429) {
          throw translateStatusError(error.status, error.body, { what: `watch pods in ${where}`, server: client.server });
        }
        failures += 1;
        options.onResume?.(error instanceof StreamStatusError && error.status === 410 ? 'watch expired (410 Gone)' : `watch failed: ${(error as Error).message}`);
        await pause(Math.min(5_000, 250 * 2 ** Math.min(failures, 4)), signal);
        relist = true;
        break;
      }
      failures = 0;
      const abortStream = () => res.destroy();
      signal.addEventListener('abort', abortStream, { once: true });
      try {
        await readLines(res, (line) => {
          if (!line.trim() || relist) return;
          let event: { type: string; object: KubePod & { code?: number; metadata: { resourceVersion?: string } } };
          try {
            event = JSON.parse(line);
          } catch {
            return;
          }
          if (event.type === 'ERROR') {
            relist = true;
            options.onResume?.(event.object?.code === 410 ? 'watch expired (410 Gone)' : `watch error ${event.object?.code ?? ''}`);
            res.destroy();
            return;
          }
          if (event.object?.metadata?.resourceVersion) resourceVersion = event.object.metadata.resourceVersion;
          if (event.type === 'BOOKMARK') return;
          const pod = summarizePod(event.object);
          if (event.type === 'DELETED') apply('deleted', pod);
          else if (event.type === 'ADDED' || event.type === 'MODIFIED') apply('upsert', pod);
        });
      } finally {
        signal.removeEventListener('abort', abortStream);
      }
      if (!signal.aborted && !relist) options.onResume?.('watch stream ended');
    }
  }
}

/** --pod's regular expression (a UsageError when it is not one). */
export function podNameRegex(text: string | undefined): RegExp | undefined {
  if (!text) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`--pod must be a regular expression: ${(error as Error).message}`);
  }
}
