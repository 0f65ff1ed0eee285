/**
 * The pool's HTTP front, like Knative's activator: it reads each request, queues it for a
 * worker (503 past maxQueue), answers 504 when no answer comes within the request timeout,
 * and forgets a request whose client went away.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BodyTooLargeError, listen, readBody, remoteOf } from '../../util/http-server.js';
import { seconds, type Answer, type Emit } from './events.js';

/** A request from arrival to answer. */
export interface PendingRequest {
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  remote: string;
  timer: NodeJS.Timeout;
  controller: AbortController;
  answered: boolean;
  /** The worker handling it, once one is. */
  worker: string | null;
}

export interface IngressOptions {
  port: number;
  /** The flag that chose the port (`--sink-port`), for the hint when it is taken. */
  portFlag?: string;
  host: string;
  maxBodyBytes: number;
  /** Requests waiting beyond this are answered 503. */
  maxQueue: number;
  /** From arrival to answer; past it the request gets 504. */
  requestTimeoutMs: number;
}

export interface IngressHooks {
  emit: Emit;
  /** True once the pool is closing: new requests get 503. */
  closed: () => boolean;
  /** A request joined the queue. */
  arrived: () => void;
}

export interface Ingress {
  url: string;
  /** Requests waiting for a worker, oldest first. */
  queue: PendingRequest[];
  /** Stops accepting connections and drops idle ones; settles once the server is closed. */
  stopAccepting(): Promise<void>;
  /** Drops the connections still open. */
  dropConnections(): void;
}

/** Writes the answer once; later answers (a late worker after a 504) are ignored. */
export function answer(pending: PendingRequest, result: Answer): void {
  if (pending.answered) return;
  pending.answered = true;
  clearTimeout(pending.timer);
  const { response } = pending;
  if (response.destroyed) return;
  const headers = { ...result.headers };
  if (result.body !== undefined && typeof result.body === 'string' && headers['content-type'] === undefined) headers['content-type'] = 'text/plain';
  response.writeHead(result.status, headers).end(result.body);
}

/** Answers with an error status and the reason, reported as `rejected`. */
export function reject(pending: PendingRequest, status: number, reason: string, emit: Emit): void {
  if (pending.answered) return;
  emit({ kind: 'rejected', status, reason, remote: pending.remote, worker: pending.worker });
  answer(pending, { status, body: `${reason}\n` });
}

/**
 * Answers 503 to a request the pool drops on close and stops its work. Returns when its
 * response is closed, if it is still open.
 */
export function shutDown(pending: PendingRequest, emit: Emit): Promise<unknown> | undefined {
  if (pending.answered) return undefined;
  const closed = pending.response.destroyed ? undefined : new Promise((resolve) => pending.response.once('close', resolve));
  reject(pending, 503, 'Shutting down.', emit);
  pending.controller.abort();
  return closed;
}

export async function startIngress(options: IngressOptions, hooks: IngressHooks): Promise<Ingress> {
  const { emit } = hooks;
  const queue: PendingRequest[] = [];
  const { maxQueue, requestTimeoutMs } = options;

  const server = createServer(async (request, response) => {
    const remote = remoteOf(request);
    const early = (status: number, reason: string) => {
      emit({ kind: 'rejected', status, reason, remote, worker: null });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(`${reason}\n`);
    };
    if (hooks.closed()) return early(503, 'Shutting down.');
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      return error instanceof BodyTooLargeError ? early(413, error.message) : undefined;
    }
    if (hooks.closed()) return early(503, 'Shutting down.');
    if (queue.length >= maxQueue) return early(503, `Too many requests waiting (${queue.length}, maxQueue ${maxQueue}).`);
    const pending: PendingRequest = {
      request,
      response,
      body,
      remote,
      controller: new AbortController(),
      answered: false,
      worker: null,
      timer: setTimeout(() => {
        const index = queue.indexOf(pending);
        if (index >= 0) queue.splice(index, 1);
        reject(pending, 504, `No answer within ${seconds(requestTimeoutMs)} (${index >= 0 ? 'still waiting for a worker' : `worker ${pending.worker ?? '?'} did not finish`}).`, emit);
        pending.controller.abort();
      }, requestTimeoutMs),
    };
    response.on('close', () => {
      if (pending.answered) return;
      // The client went away: forget the request, stop its work.
      pending.answered = true;
      clearTimeout(pending.timer);
      const index = queue.indexOf(pending);
      if (index >= 0) queue.splice(index, 1);
      pending.controller.abort();
    });
    queue.push(pending);
    hooks.arrived();
  });
  const url = await listen(server, options.port, options.host, options.portFlag);

  return {
    url,
    queue,
    stopAccepting() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      return closing;
    },
    dropConnections: () => server.closeAllConnections(),
  };
}
