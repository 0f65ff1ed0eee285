import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, DEFAULT_MAX_BODY_BYTES, listen, readBody, remoteOf } from '../util/http-server.js';
import { parseHttpCloudEvent, summarize, toBinaryHttp, type CloudEvent, type EventSummary } from './cloudevent.js';

/** What the sink answers with, as seed 003's JavaScript function does. */
export interface SinkReply {
  type: string;
  source: string;
  /** Default: the received event's data. */
  data?: string;
}

export interface SinkOptions {
  port: number;
  host: string;
  /** The flag that chose the port, for the hint when it is taken. */
  portFlag?: string;
  reply?: SinkReply;
  /** Largest request body accepted. */
  maxBodyBytes?: number;
}

export interface SinkHandle {
  url: string;
  close(): Promise<void>;
}

export type SinkEvent =
  | { kind: 'event'; event: EventSummary; reply: EventSummary | null }
  | { kind: 'rejected'; reason: string; remote: string };

/** The reply event: the configured data as text, or the received event's data and content type. */
function replyFor(received: CloudEvent, reply: SinkReply): CloudEvent {
  const data = reply.data === undefined ? (received.data ?? Buffer.alloc(0)) : Buffer.from(reply.data);
  const datacontenttype = reply.data === undefined ? (received.attributes.datacontenttype ?? 'application/json') : 'text/plain';
  return { attributes: { specversion: '1.0', id: randomUUID(), type: reply.type, source: reply.source, datacontenttype }, data };
}

/**
 * A local event-display: accepts CloudEvents over HTTP (binary or structured), reports
 * each one, answers 202 (or 200 with a reply event), and 400 with a reason otherwise.
 */
export async function startEventSink(options: SinkOptions, onEvent: (event: SinkEvent) => void): Promise<SinkHandle> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server: Server = createServer(async (request, response) => {
    const remote = remoteOf(request);
    const reject = (status: number, reason: string) => {
      onEvent({ kind: 'rejected', reason, remote });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(`${reason}\n`);
    };
    if (request.method !== 'POST') return reject(405, `Only POST is accepted, not ${request.method}.`);
    let body: Buffer;
    try {
      body = await readBody(request, limit);
    } catch (error) {
      return reject(413, (error as Error).message);
    }
    let event: CloudEvent;
    try {
      event = parseHttpCloudEvent(request.headers, body);
    } catch (error) {
      return reject(400, (error as Error).message);
    }
    if (options.reply) {
      const reply = replyFor(event, options.reply);
      onEvent({ kind: 'event', event: summarize(event), reply: summarize(reply) });
      const message = toBinaryHttp(reply);
      response.writeHead(200, message.headers).end(message.body);
    } else {
      onEvent({ kind: 'event', event: summarize(event), reply: null });
      response.writeHead(202).end();
    }
  });
  const url = await listen(server, options.port, options.host, options.portFlag);
  return {
    url,
    close: () => closeServer(server),
  };
}
