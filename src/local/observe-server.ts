import { createServer } from 'node:http';
import type { PodEvent, PodSummary } from '../cluster/pods.js';
import type { LogEvent } from '../cluster/logs.js';
import { closeServer, listen } from '../util/http-server.js';
import type { SinkPoolEvent, WorkerInfo } from './sink-pool/pool.js';

/** One line of the local lab's observe stream: the same events the cluster watch gives. */
export type ObserveMessage = { stream: 'pod'; event: PodEvent } | { stream: 'log'; event: LogEvent };

const CONTAINER = 'user-container';

/** A sink worker, seen as the pod Knative would run for it. */
export function workerAsPod(worker: WorkerInfo, deleted = false): PodSummary {
  const running = worker.status === 'Running' && !deleted;
  return {
    name: worker.name,
    ready: running ? '1/1' : '0/1',
    status: deleted ? 'Terminating' : worker.status,
    restarts: 0,
    startTime: worker.startTime,
    containers: [CONTAINER],
    running,
    allReady: running,
  };
}

/** Turns a sink-pool event into what `tail logs` / `watch pods` consume, if it is one of those. */
export function observeMessage(event: SinkPoolEvent): ObserveMessage | undefined {
  if (event.kind === 'worker') {
    const type = event.status === 'starting' ? 'added' : event.status === 'running' ? 'modified' : 'deleted';
    return { stream: 'pod', event: { type, pod: workerAsPod(event.info, type === 'deleted') } };
  }
  if (event.kind === 'log') {
    return { stream: 'log', event: { kind: 'line', pod: event.worker, container: CONTAINER, time: new Date().toISOString(), line: event.line } };
  }
  return undefined;
}

export interface ObserveServer {
  url: string;
  /** Feed every sink-pool event here. */
  publish(event: SinkPoolEvent): void;
  close(): Promise<void>;
}

/**
 * A loopback endpoint for `firehose tail logs --local` and `watch pods --local`: GET /watch
 * streams NDJSON, first the current workers as `added`, then every change and log line.
 */
export async function startObserveServer(workers: () => WorkerInfo[], options: { port?: number; host?: string } = {}): Promise<ObserveServer> {
  const clients = new Set<import('node:http').ServerResponse>();
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || !request.url?.startsWith('/watch')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /watch\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const worker of workers()) response.write(`${JSON.stringify({ stream: 'pod', event: { type: 'added', pod: workerAsPod(worker) } })}\n`);
    clients.add(response);
    request.on('close', () => clients.delete(response));
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    publish(event) {
      const message = observeMessage(event);
      if (!message) return;
      const line = `${JSON.stringify(message)}\n`;
      for (const client of clients) client.write(line);
    },
    async close() {
      for (const client of clients) client.end();
      await closeServer(server);
    },
  };
}
