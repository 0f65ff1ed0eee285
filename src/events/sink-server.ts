import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirehoseError } from '../errors.js';
import { httpToEvent, type EventSummary } from './cloudevents.js';

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

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function replyFor(received: EventSummary, reply: SinkReply): { headers: Record<string, string>; body: string; summary: EventSummary } {
  const data = reply.data ?? received.data ?? '';
  const attributes = { specversion: '1.0', id: randomUUID(), type: reply.type, source: reply.source };
  const contentType = reply.data === undefined ? (received.attributes.datacontenttype ?? 'application/json') : 'text/plain';
  const headers: Record<string, string> = { 'content-type': contentType };
  for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = value;
  return { headers, body: data, summary: { attributes: { ...attributes, datacontenttype: contentType }, data } };
}

/**
 * A local event-display: accepts CloudEvents over HTTP (binary or structured), reports
 * each one, answers 202 (or 200 with a reply event), and 400 with a reason otherwise.
 */
export async function startEventSink(options: SinkOptions, onEvent: (event: SinkEvent) => void): Promise<SinkHandle> {
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const server: Server = createServer(async (request, response) => {
    const remote = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
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
    let event: EventSummary;
    try {
      event = await httpToEvent(request.headers, body);
    } catch (error) {
      return reject(400, (error as Error).message);
    }
    if (options.reply) {
      const reply = replyFor(event, options.reply);
      onEvent({ kind: 'event', event, reply: reply.summary });
      response.writeHead(200, reply.headers).end(reply.body);
    } else {
      onEvent({ kind: 'event', event, reply: null });
      response.writeHead(202).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new FirehoseError('PORT_IN_USE', `Cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`, {
        hint: 'Pick another --port (0 chooses a free one).',
      })));
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
