import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
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
  /**
   * The byte stream to the receiver, when the URL's host is not reachable from here (a
   * port-forward to the pod behind a cluster Service): the request is sent over it, with
   * the URL's host in the Host header.
   */
  connect?: () => Promise<Duplex>;
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
  let answer: { status: number; headers: Record<string, string>; body: Buffer };
  try {
    answer = options.connect
      ? await postOver(options.connect, url, message.headers, Buffer.from(message.body), options.timeoutMs)
      : await postFetch(url, message.headers, message.body, options.timeoutMs);
  } catch (error) {
    if (error instanceof FirehoseError) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FirehoseError('SEND_FAILED', `Cannot POST to ${url.href}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {
      hint: 'Is the receiver running? `firehose sink serve` starts a local one.',
    });
  }
  const reply = replyOf(answer.headers, answer.body);
  return { url: url.href, status: answer.status, sent: summarize(event), reply, body: reply ? '' : answer.body.toString('utf8') };
}

async function postFetch(url: URL, headers: Record<string, string>, body: string | Uint8Array, timeoutMs: number) {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: Buffer.from(await response.arrayBuffer()) };
}

/** One POST over a stream someone else opened (node:http on it, one request, no keep-alive). */
async function postOver(connect: () => Promise<Duplex>, url: URL, headers: Record<string, string>, body: Buffer, timeoutMs: number) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
    const req = request({
      method: 'POST',
      host: url.hostname,
      port: url.port || 80,
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, host: url.host, 'content-length': String(body.length), connection: 'close' },
      createConnection: (_options: unknown, done: (error: Error | null, stream?: Duplex) => void) => {
        connect().then((stream) => done(null, stream), (error: Error) => done(error));
        return undefined;
      },
      signal: AbortSignal.timeout(timeoutMs),
    } as never, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
        body: Buffer.concat(chunks),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
