/**
 * Delivery over HTTP with Knative's rules: one POST in binary mode with a timeout, and
 * retries with backoff for the answers worth another try. The local broker, channel and the
 * KafkaSource dispatcher deliver (and dead-letter) through it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { toBinaryHttp, type CloudEvent } from '../events/cloudevent.js';
import { backoffDelay, isRetryableStatus, type RetryPolicy } from './delivery.js';

/** One POST and what came back. `status` is the HTTP status, or an error code when no answer came. */
export interface AttemptResult {
  status: number | string;
  ok: boolean;
  retryable: boolean;
  headers: Record<string, string>;
  body: Buffer;
}

export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** POSTs the event in binary mode; never throws (a failure to connect is a retryable result). */
export async function postEvent(url: string, event: CloudEvent, options: PostOptions): Promise<AttemptResult> {
  const { headers, body } = toBinaryHttp(event);
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.any(signals) });
    const answer = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      ok: response.status >= 200 && response.status < 300,
      retryable: isRetryableStatus(response.status),
      headers: Object.fromEntries(response.headers.entries()),
      body: answer,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const status = cause?.code ?? ((error as Error).name === 'TimeoutError' ? 'TIMEOUT' : (error as Error).name);
    return { status, ok: false, retryable: true, headers: {}, body: Buffer.alloc(0) };
  }
}

export interface DeliveryOutcome {
  ok: boolean;
  /** The last attempt's status (HTTP status or error code). */
  status: number | string;
  attempts: number;
  last: AttemptResult;
  /** true when delivery stopped because the signal was aborted. */
  aborted: boolean;
}

/**
 * Delivers with Knative's rules: 2xx settles, 5xx/404/408/409/429 and connection errors are
 * retried `retries` times with backoff, any other status is final.
 */
export async function deliverWithRetry(
  url: string,
  event: CloudEvent,
  retry: RetryPolicy,
  options: PostOptions,
  onRetry: (status: number | string, attempt: number, delayMs: number) => void = () => {},
): Promise<DeliveryOutcome> {
  let last: AttemptResult = { status: 'not sent', ok: false, retryable: true, headers: {}, body: Buffer.alloc(0) };
  let attempts = 0;
  for (let attempt = 0; attempt <= retry.retries; attempt++) {
    if (attempt > 0) {
      const delayMs = backoffDelay(retry, attempt);
      onRetry(last.status, attempt, delayMs);
      try {
        await delay(delayMs, undefined, { signal: options.signal });
      } catch {
        return { ok: false, status: last.status, attempts, last, aborted: true };
      }
    }
    if (options.signal?.aborted) return { ok: false, status: last.status, attempts, last, aborted: true };
    last = await postEvent(url, event, options);
    attempts += 1;
    if (last.ok) return { ok: true, status: last.status, attempts, last, aborted: false };
    if (!last.retryable) break;
  }
  return { ok: false, status: last.status, attempts, last, aborted: options.signal?.aborted ?? false };
}
