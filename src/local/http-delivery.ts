/**
 * HTTP plumbing shared by the local broker, channel and sink pool: reading request bodies,
 * listening on loopback, CloudEvents with their raw data bytes, and POSTs in binary mode
 * with Knative's retry rules.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { FirehoseError } from '../errors.js';
import { parseHttpCloudEvent, type EventSummary } from '../events/cloudevents.js';
import { toBinaryHttp } from '../events/record-to-cloudevent.js';
import { backoffDelay, isRetryableStatus, type RetryPolicy } from './delivery.js';

/** A CloudEvent as attributes (context + extensions, all strings) and its data bytes. */
export interface CloudEventMessage {
  attributes: Record<string, string>;
  data: Buffer | null;
}

export { BodyTooLargeError, closeServer, DEFAULT_MAX_BODY_BYTES, listen, readBody, remoteOf } from '../util/http-server.js';

function header(headers: IncomingHttpHeaders | Record<string, string>, name: string): string | undefined {
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True when headers say binary (`ce-specversion`) or structured (`application/cloudevents+json`) mode. */
export function looksLikeCloudEvent(headers: IncomingHttpHeaders | Record<string, string>): boolean {
  return header(headers, 'ce-specversion') !== undefined
    || (header(headers, 'content-type') ?? '').toLowerCase().startsWith('application/cloudevents+json');
}

/**
 * Parses an HTTP message as a CloudEvent (binary or structured mode), keeping the data as
 * bytes. Throws FirehoseError NOT_A_CLOUDEVENT naming what is missing or wrong.
 */
export async function parseCloudEvent(headers: IncomingHttpHeaders | Record<string, string>, body: Buffer): Promise<CloudEventMessage> {
  const parsed = await parseHttpCloudEvent(headers, body);
  const attributes = { ...parsed.summary.attributes };
  if (parsed.mode === 'binary') return { attributes, data: body.length === 0 ? null : body };
  const { json } = parsed;
  let data: Buffer | null = null;
  if (typeof json.data_base64 === 'string') data = Buffer.from(json.data_base64, 'base64');
  else if (typeof json.data === 'string') data = Buffer.from(json.data);
  else if (json.data !== undefined && json.data !== null) data = Buffer.from(JSON.stringify(json.data));
  return { attributes, data };
}

export function summaryOf(event: CloudEventMessage): EventSummary {
  return { attributes: { ...event.attributes }, data: event.data === null ? null : event.data.toString('utf8') };
}

/** The event as one JSON object (structured-mode shape): JSON data inline, other text as a string. */
export function eventToJson(event: CloudEventMessage): Record<string, unknown> {
  const json: Record<string, unknown> = { ...event.attributes };
  if (event.data === null) return json;
  const text = event.data.toString('utf8');
  const contentType = (event.attributes.datacontenttype ?? '').toLowerCase();
  if (contentType === '' || contentType.includes('json')) {
    try {
      json.data = JSON.parse(text);
      return json;
    } catch {
      // not JSON after all: kept as text below
    }
  }
  if (Buffer.from(text, 'utf8').equals(event.data)) json.data = text;
  else json.data_base64 = event.data.toString('base64');
  return json;
}

export function eventToBinary(event: CloudEventMessage): { headers: Record<string, string>; body: Buffer } {
  return toBinaryHttp({ attributes: event.attributes, data: event.data, passthrough: true });
}

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
export async function postEvent(url: string, event: CloudEventMessage, options: PostOptions): Promise<AttemptResult> {
  const { headers, body } = eventToBinary(event);
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
  event: CloudEventMessage,
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
