/**
 * Delivery over HTTP with Knative's rules: one POST in binary mode with a timeout, and
 * retries with backoff for the answers worth another try. The local broker, channel and the
 * KafkaSource dispatcher deliver (and dead-letter) through it.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
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

/**
 * Kept-alive connections per sink, shared by every delivery in the process: a POST reuses an
 * idle socket instead of opening one (fetch() spent ~28% of the dispatcher's CPU per POST).
 * The number of POSTs in flight is bounded by the callers (ordered: one per partition;
 * unordered: the dispatcher's limit).
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
};

/** POSTs the event in binary mode; never throws (a failure to connect is a retryable result). */
export async function postEvent(url: string, event: CloudEvent, options: PostOptions): Promise<AttemptResult> {
  const { headers, body } = toBinaryHttp(event);
  try {
    const response = await post(url, headers, body, options);
    return {
      status: response.status,
      ok: response.status >= 200 && response.status < 300,
      retryable: isRetryableStatus(response.status),
      headers: response.headers,
      body: response.body,
    };
  } catch (error) {
    const status = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    return { status, ok: false, retryable: true, headers: {}, body: Buffer.alloc(0) };
  }
}

/** One POST through the shared agents; fails with code TIMEOUT after timeoutMs, or ABORTED on the signal. */
function post(url: string, headers: Record<string, string>, body: Buffer, options: PostOptions): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const agent = agents[target.protocol as keyof typeof agents];
    if (!agent) return reject(Object.assign(new Error(`unsupported protocol ${target.protocol}`), { code: 'ERR_INVALID_URL' }));
    const client = target.protocol === 'https:' ? https : http;
    let settled = false;
    const fail = (code: string) => {
      if (settled) return;
      // The timeout timer and the abort listener go too: a POST ended by Ctrl-C must not keep
      // the process alive until its timeout, nor leave a listener on the shared signal.
      done();
      request.destroy(Object.assign(new Error(code), { code }));
      reject(Object.assign(new Error(code), { code }));
    };
    const onAbort = () => fail('ABORTED');
    const timer = setTimeout(() => fail('TIMEOUT'), options.timeoutMs);
    const done = () => {
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const request = client.request(target, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => {
        if (settled) return;
        done();
        reject(error);
      });
      response.on('end', () => {
        if (settled) return;
        done();
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      });
    });
    request.on('error', (error) => {
      if (settled) return;
      done();
      reject(error);
    });
    if (options.signal?.aborted) return fail('ABORTED');
    if (options.signal) {
      // One signal (Ctrl-C) ends every POST in flight: hundreds may listen at once.
      setMaxListeners(0, options.signal);
      options.signal.addEventListener('abort', onAbort, { once: true });
    }
    request.end(body);
  });
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
