import { FirehoseError } from '../errors.js';
import { describeObject, objectPath, type KubeObject } from './apply.js';
import type { ClusterClient } from './connect.js';
import { resolveResource } from './discovery.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
}

export interface WaitOptions {
  /** Give up after this long. Default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called whenever the Ready condition (or its absence) changes. */
  onProgress?: (state: { ready?: Condition; conditions: Condition[] }) => void;
  /** Pause between reads. Default 500 ms. */
  intervalMs?: number;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function conditionText(c: Condition | undefined): string {
  if (!c) return 'no status yet';
  return [c.reason, c.message].filter(Boolean).join(': ') || `Ready=${c.status}`;
}

/**
 * Polls the object until its Ready condition is True (returns the object), False with
 * a reason (FirehoseError NOT_READY_FAILED with that reason and message), or the timeout
 * passes (NOT_READY). A status older than the spec (observedGeneration < generation) is
 * not trusted.
 */
export async function waitForReady(client: ClusterClient, object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, options: WaitOptions = {}): Promise<KubeObject> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 500;
  const resource = await resolveResource(client, object.apiVersion, object.kind);
  const path = objectPath(resource, object.metadata.name, object.metadata.namespace ?? client.namespace);
  const label = describeObject(object);
  const deadline = Date.now() + timeoutMs;
  let last: Condition | undefined;
  let lastKey = '-';
  for (;;) {
    if (options.signal?.aborted) throw new FirehoseError('INTERRUPTED', `Interrupted while waiting for ${label} to be Ready.`, { exitCode: 130 });
    const current = await client.request('GET', path, { what: `read ${label}`, signal: options.signal });
    if (current.status !== 200 && current.status !== 404) throw client.fail(current, { what: `read ${label}` });
    if (current.status === 200) {
      const obj = current.json<KubeObject & { status?: { conditions?: Condition[]; observedGeneration?: number } }>();
      const conditions = obj.status?.conditions ?? [];
      const stale = obj.status?.observedGeneration !== undefined && obj.metadata.generation !== undefined
        && obj.status.observedGeneration < obj.metadata.generation;
      const ready = stale ? undefined : conditions.find((c) => c.type === 'Ready');
      last = ready ?? last;
      const key = JSON.stringify(ready ?? null);
      if (key !== lastKey) {
        lastKey = key;
        options.onProgress?.({ ready, conditions });
      }
      if (ready?.status === 'True') return obj;
      if (ready?.status === 'False' && ready.reason) {
        throw new FirehoseError('NOT_READY_FAILED', `${label} is not Ready: ${conditionText(ready)}`, {
          hint: `The operator reports a problem: \`oc describe ${obj.kind.toLowerCase()} ${obj.metadata.name}\` shows the full status.`,
        });
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new FirehoseError('NOT_READY', `${label} not Ready after ${formatSeconds(timeoutMs)}: ${conditionText(last)}`, {
        hint: 'Is an operator reconciling it (Strimzi / Knative installed and running? `firehose doctor`)? Use --no-wait to not wait.',
      });
    }
    await sleep(Math.min(intervalMs, left), options.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
