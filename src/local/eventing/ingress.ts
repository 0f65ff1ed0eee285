/**
 * The one shape of a local broker and a local channel: named routes (triggers or
 * subscriptions) that can change while it runs, a router delivering to them, and an HTTP
 * ingress in front that answers 202 once it has a CloudEvent.
 */
import { createServer, type Server } from 'node:http';
import { UsageError } from '../../errors.js';
import { parseHttpCloudEvent, type CloudEvent } from '../../events/cloudevent.js';
import { BodyTooLargeError, closeServer, DEFAULT_MAX_BODY_BYTES, listen, readBody, remoteOf } from '../../util/http-server.js';
import { createRouter, HOPS_EXTENSION, resolveDelivery, ROUTE_NOUN, type BrokerEvent, type DeliveryOptions, type EventingKind, type Route } from './router.js';

/** A broker's or channel's name, where its ingress listens and what it accepts. */
export interface EndpointSettings {
  /** Default "default" (informational here, as Knative names it). */
  name?: string;
  port?: number;
  /** The flag that chose the port (`--broker-port`), for the hint when it is taken. */
  portFlag?: string;
  /** Default 127.0.0.1. */
  host?: string;
  maxBodyBytes?: number;
}

interface IngressOptions {
  port: number;
  portFlag?: string;
  host: string;
  maxBodyBytes: number;
}

/** The HTTP ingress: CloudEvents in, 202 out (400/405/413 with a reason otherwise). */
async function startIngress(
  options: IngressOptions,
  accept: (event: CloudEvent, hops: number) => void,
  onEvent: (event: BrokerEvent) => void,
  isClosed: () => boolean,
): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const reject = (status: number, reason: string) => {
      try {
        onEvent({ kind: 'rejected', status, reason, remote: remoteOf(request) });
      } catch {
        // observer errors do not change the answer
      }
      response.writeHead(status, { 'content-type': 'text/plain' }).end(`${reason}\n`);
    };
    if (isClosed()) return reject(503, 'Shutting down.');
    if (request.method !== 'POST') return reject(405, `Only POST is accepted, not ${request.method}.`);
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      return error instanceof BodyTooLargeError ? reject(413, error.message) : reject(400, (error as Error).message);
    }
    let event: CloudEvent;
    try {
      event = parseHttpCloudEvent(request.headers, body);
    } catch (error) {
      return reject(400, (error as Error).message);
    }
    const hopsText = event.attributes[HOPS_EXTENSION];
    const hops = hopsText !== undefined && /^\d+$/.test(hopsText) ? Number(hopsText) : 0;
    response.writeHead(202).end();
    accept(event, hops);
  });
  const url = await listen(server, options.port, options.host, options.portFlag);
  return { url, server };
}


/** A running broker or channel, in terms of its routes' own type (Trigger or Subscription). */
export interface Endpoint<T extends { name: string }> {
  url: string;
  /** Copies of the routes, in the order they were added. */
  list(): T[];
  /** Adds the route, or replaces the one with the same name (like `kubectl apply`). */
  add(item: T): void;
  remove(name: string): boolean;
  /** Deliveries (including retries and their backoff) not settled yet. */
  pending(): number;
  close(): Promise<void>;
}

export interface EndpointConfig<T extends { name: string }> {
  kind: EventingKind;
  options: DeliveryOptions & EndpointSettings;
  items: T[] | undefined;
  /** Validates one route and returns the copy that is kept. */
  check: (item: T) => T;
  /** A copy handed out by list(). */
  copy: (item: T) => T;
  toRoute: (item: T) => Route;
  onEvent: (event: BrokerEvent) => void;
}

/** Checks the options and routes, then starts the router and its ingress on loopback. */
export async function startEndpoint<T extends { name: string }>(config: EndpointConfig<T>): Promise<Endpoint<T>> {
  const { kind, options, onEvent } = config;
  const delivery = resolveDelivery(options);
  const items = new Map<string, T>();
  for (const item of config.items ?? []) {
    if (items.has(item.name)) throw new UsageError(`Two ${ROUTE_NOUN[kind]}s are named "${item.name}".`);
    items.set(item.name, config.check(item));
  }
  let closed = false;
  const router = createRouter({ kind, delivery, routes: () => [...items.values()].map(config.toRoute), onEvent });
  const { url, server } = await startIngress(
    { port: options.port ?? 0, portFlag: options.portFlag, host: options.host ?? '127.0.0.1', maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES },
    (event, hops) => router.route(event, hops, [], 'ingress'),
    onEvent,
    () => closed,
  );
  return {
    url,
    list: () => [...items.values()].map(config.copy),
    add(item) {
      items.set(item.name, config.check(item));
    },
    remove: (name) => items.delete(name),
    pending: router.pending,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([closeServer(server), router.close()]);
    },
  };
}
