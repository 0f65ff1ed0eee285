import { randomUUID } from 'node:crypto';
import { FirehoseError, UsageError } from '../errors.js';
import {
  cloudEventFromJson,
  loadCloudEvents,
  looksLikeCloudEvent,
  parseHttpCloudEvent,
  summarize,
  toBinaryHttp,
  toStructuredHttp,
  type CloudEvent,
  type EventSummary,
} from './cloudevent.js';

export interface SendOptions {
  url: string;
  type: string;
  source: string;
  /** Default: a random UUID. */
  id?: string;
  data?: string;
  datacontenttype?: string;
  extensions: Record<string, string>;
  mode: 'binary' | 'structured';
  specversion: '1.0' | '0.3';
  timeoutMs: number;
}

export interface SendResult {
  url: string;
  status: number;
  sent: EventSummary;
  /** A CloudEvent the receiver answered with (seed 003's functions reply this way). */
  reply: EventSummary | null;
  /** The response body when it was not a CloudEvent. */
  body: string;
}

function guessContentType(data: string): string {
  try {
    JSON.parse(data);
    return 'application/json';
  } catch {
    return 'text/plain';
  }
}

/** The reply as an event when the answer is a valid CloudEvent, else null (the body is shown instead). */
function replyOf(headers: Record<string, string>, body: Buffer): EventSummary | null {
  if (!looksLikeCloudEvent(headers)) return null;
  try {
    return summarize(parseHttpCloudEvent(headers, body));
  } catch {
    return null;
  }
}

/**
 * POSTs one CloudEvent over HTTP and reports the status and any reply event. The SDK builds
 * and checks the event from the options (defaults for id and time, extension names); the
 * codec in cloudevent.ts encodes it.
 */
export async function sendCloudEvent(options: SendOptions): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new UsageError(`"${options.url}" is not a URL.`, 'Example: firehose send http://localhost:8080 --type my.type --source /me');
  }
  const sdk = await loadCloudEvents();
  const datacontenttype = options.datacontenttype ?? (options.data === undefined ? undefined : guessContentType(options.data));
  let event: CloudEvent;
  try {
    const data = options.data !== undefined && datacontenttype === 'application/json' ? JSON.parse(options.data) : options.data;
    const built = new sdk.CloudEvent({
      specversion: options.specversion,
      id: options.id ?? randomUUID(),
      type: options.type,
      source: options.source,
      datacontenttype,
      data,
      ...options.extensions,
    });
    event = cloudEventFromJson(built.toJSON());
  } catch (error) {
    throw new UsageError(`Invalid CloudEvent: ${(error as Error).message}`, 'Extension names are lower-case letters and digits only (at most 20).');
  }
  const message = options.mode === 'structured' ? toStructuredHttp(event) : toBinaryHttp(event);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: message.headers,
      body: message.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FirehoseError('SEND_FAILED', `Cannot POST to ${url.href}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {
      hint: 'Is the receiver running? `firehose sink serve` starts a local one.',
    });
  }
  const body = Buffer.from(await response.arrayBuffer());
  const headers = Object.fromEntries(response.headers.entries());
  const reply = replyOf(headers, body);
  return { url: url.href, status: response.status, sent: summarize(event), reply, body: reply ? '' : body.toString('utf8') };
}
