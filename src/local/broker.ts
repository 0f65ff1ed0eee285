/**
 * A Knative Broker + Triggers (and a Channel + Subscriptions) on this machine, behaving like
 * the MTChannelBasedBroker: the ingress answers 202 once it has the event, then delivers it
 * in binary mode to every matching trigger's subscriber with retries, dead-letters what
 * cannot be delivered, and routes a subscriber's reply event back through the triggers.
 */
import { createServer, type Server } from 'node:http';
import { UsageError } from '../errors.js';
import { looksLikeCloudEvent, parseHttpCloudEvent, summarize, type CloudEvent, type EventSummary } from '../events/cloudevent.js';
import { BodyTooLargeError, closeServer, DEFAULT_MAX_BODY_BYTES, listen, readBody, remoteOf } from '../util/http-server.js';
import type { BackoffPolicy, RetryPolicy } from './delivery.js';
import { deliverWithRetry, postEvent } from './http-delivery.js';

/**
 * The extension that counts how many times an event has been a reply in a row. Like
 * Knative's `knativebrokerttl`, it is removed before delivery to a subscriber and put back
 * (plus one) on the subscriber's reply, so subscribers need not pass it on.
 */
export const HOPS_EXTENSION = 'firehosehops';

/** Per-trigger overrides of the broker's delivery settings (a Trigger's spec.delivery). */
export interface DeliverySpec {
  retries?: number;
  backoffMs?: number;
  backoffPolicy?: BackoffPolicy;
  deadLetterUrl?: string;
}

export interface Trigger {
  name: string;
  /**
   * Attribute name → value, all must match exactly (type, source, subject, extensions…).
   * As in Knative, an empty value only requires the attribute to be present. `{}` matches all.
   */
  filter: Record<string, string>;
  /** Where matching events are POSTed (binary mode). */
  subscriber: string;
  /** The broker the trigger belongs to (spec.broker; informational here). */
  broker?: string;
  delivery?: DeliverySpec;
}

export interface Subscription {
  name: string;
  subscriber: string;
  /** Where the subscriber's reply events are POSTed (spec.reply); without it replies are dropped. */
  reply?: string;
  delivery?: DeliverySpec;
}

export interface DeliveryOptions {
  /** Tries after the first one. Default 3. */
  retries?: number;
  /** Default 200 ms. */
  backoffMs?: number;
  /** Default exponential. */
  backoffPolicy?: BackoffPolicy;
  /** Where events go that could not be delivered (Knative adds knativeerror* extensions). */
  deadLetterUrl?: string;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Replies allowed in a row before an event is dropped as a loop. Default 10. */
  maxHops?: number;
}

export interface BrokerOptions extends DeliveryOptions {
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default "default". */
  name?: string;
  triggers?: Trigger[];
  maxBodyBytes?: number;
}

export interface ChannelOptions extends DeliveryOptions {
  port?: number;
  host?: string;
  name?: string;
  subscriptions?: Subscription[];
  maxBodyBytes?: number;
}

/**
 * What the broker or channel reports. For a channel, `trigger` is the subscription's name.
 * `id` is always the id of the event being delivered.
 */
export type BrokerEvent =
  | { kind: 'received'; id: string; type: string; source: string; hops: number; from: 'ingress' | 'reply'; matched: string[]; event: EventSummary }
  | { kind: 'delivered'; trigger: string; id: string; status: number; attempts: number }
  | { kind: 'retry'; trigger: string; id: string; status: number | string; attempt: number; delayMs: number }
  | { kind: 'dead-letter'; trigger: string; id: string; status: number | string; attempts: number; deadLetterUrl: string; deadLetterStatus: number | string; ok: boolean }
  | { kind: 'dropped'; trigger: string; id: string; status: number | string; attempts: number }
  | { kind: 'reply'; trigger: string; id: string; reply: EventSummary; forwardedTo: string | null }
  | { kind: 'bad-reply'; trigger: string; id: string; reason: string }
  | { kind: 'loop'; id: string; type: string; source: string; hops: number; maxHops: number; triggers: string[]; message: string }
  | { kind: 'rejected'; status: number; reason: string; remote: string };

export interface BrokerHandle {
  url: string;
  triggers(): Trigger[];
  /** Adds the trigger, or replaces the one with the same name (like `kubectl apply`). */
  addTrigger(trigger: Trigger): void;
  removeTrigger(name: string): boolean;
  /** Deliveries (including retries and their backoff) not settled yet. */
  pending(): number;
  close(): Promise<void>;
}

export interface ChannelHandle {
  url: string;
  subscriptions(): Subscription[];
  addSubscription(subscription: Subscription): void;
  removeSubscription(name: string): boolean;
  pending(): number;
  close(): Promise<void>;
}

interface Route {
  name: string;
  subscriber: string;
  filter: Record<string, string>;
  delivery: DeliverySpec;
  /** Channel subscriptions only: where replies are POSTed. */
  reply?: string;
}

interface Resolved {
  retries: number;
  backoffMs: number;
  backoffPolicy: BackoffPolicy;
  deadLetterUrl?: string;
  requestTimeoutMs: number;
  maxHops: number;
}

function resolveDelivery(options: DeliveryOptions): Resolved {
  const resolved: Resolved = {
    retries: options.retries ?? 3,
    backoffMs: options.backoffMs ?? 200,
    backoffPolicy: options.backoffPolicy ?? 'exponential',
    deadLetterUrl: options.deadLetterUrl,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    maxHops: options.maxHops ?? 10,
  };
  if (!Number.isInteger(resolved.retries) || resolved.retries < 0) throw new UsageError(`retries must be a whole number ≥ 0, not ${resolved.retries}.`);
  if (!(resolved.backoffMs >= 0)) throw new UsageError(`backoff must be ≥ 0 ms, not ${resolved.backoffMs}.`);
  if (!Number.isInteger(resolved.maxHops) || resolved.maxHops < 0) throw new UsageError(`maxHops must be a whole number ≥ 0, not ${resolved.maxHops}.`);
  if (resolved.deadLetterUrl !== undefined) checkUrl(resolved.deadLetterUrl, 'dead-letter sink');
  return resolved;
}

function checkUrl(url: string, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`The ${what} "${url}" is not a URL.`, 'Use an absolute http:// URL, e.g. http://127.0.0.1:8080/');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`The ${what} "${url}" is not an http(s) URL.`);
  }
}

function checkDelivery(delivery: DeliverySpec | undefined, what: string): void {
  if (delivery?.deadLetterUrl !== undefined) checkUrl(delivery.deadLetterUrl, `dead-letter sink of ${what}`);
  if (delivery?.retries !== undefined && (!Number.isInteger(delivery.retries) || delivery.retries < 0)) {
    throw new UsageError(`${what}: retries must be a whole number ≥ 0, not ${delivery.retries}.`);
  }
}

/** Knative's attributes filter: every entry must equal the event's attribute ("" = present). */
export function matchesFilter(filter: Record<string, string>, attributes: Record<string, string>): boolean {
  for (const [name, wanted] of Object.entries(filter)) {
    const actual = attributes[name.toLowerCase()];
    if (actual === undefined) return false;
    if (wanted !== '' && actual !== wanted) return false;
  }
  return true;
}

function loopMessage(event: CloudEvent, hops: number, maxHops: number, path: string[], noun: string): string {
  const id = event.attributes.id ?? '?';
  const recent = path.slice(-6);
  const via = recent.length === 0 ? '' : ` via ${noun}${new Set(recent).size === 1 ? '' : 's'} ${recent.join(' → ')}${path.length > recent.length ? ' (last hops)' : ''}`;
  return `Dropped event ${id} (type ${event.attributes.type ?? '?'}, source ${event.attributes.source ?? '?'}): it is reply number ${hops} in a row${via}, `
    + `more than maxHops ${maxHops}. A subscriber is probably replying with an event its own ${noun} matches again; `
    + `change the reply's type or the ${noun}'s filter.`;
}

const ERROR_DATA_LIMIT = 1024;

interface RouterConfig {
  kind: 'broker' | 'channel';
  delivery: Resolved;
  routes: () => Route[];
  onEvent: (event: BrokerEvent) => void;
}

/** Fan-out, retries, dead letters and replies: the part the broker and channel share. */
function createRouter(config: RouterConfig) {
  const { delivery, onEvent } = config;
  const controller = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const noun = config.kind === 'broker' ? 'trigger' : 'subscription';

  const emit = (event: BrokerEvent) => {
    try {
      onEvent(event);
    } catch {
      // a failing observer must not stop deliveries
    }
  };

  const track = (work: Promise<void>) => {
    const settled = work.catch(() => {}).finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  };

  const retryPolicy = (route: Route): RetryPolicy => ({
    retries: route.delivery.retries ?? delivery.retries,
    backoffMs: route.delivery.backoffMs ?? delivery.backoffMs,
    policy: route.delivery.backoffPolicy ?? delivery.backoffPolicy,
  });

  /** Accepts one event into the broker/channel; hops = replies in a row so far. */
  const route = (event: CloudEvent, hops: number, path: string[], from: 'ingress' | 'reply') => {
    if (controller.signal.aborted) return;
    const attributes = { ...event.attributes };
    delete attributes[HOPS_EXTENSION];
    if (config.kind === 'broker') attributes.knativearrivaltime ??= new Date().toISOString();
    const clean: CloudEvent = { attributes, data: event.data };
    const id = attributes.id ?? '';
    if (hops > delivery.maxHops) {
      emit({
        kind: 'loop', id, type: attributes.type ?? '', source: attributes.source ?? '', hops, maxHops: delivery.maxHops, triggers: path,
        message: loopMessage(clean, hops, delivery.maxHops, path, noun),
      });
      return;
    }
    const matched = config.routes().filter((r) => matchesFilter(r.filter, attributes));
    emit({ kind: 'received', id, type: attributes.type ?? '', source: attributes.source ?? '', hops, from, matched: matched.map((r) => r.name), event: summarize(clean) });
    for (const target of matched) track(deliver(target, clean, hops, path));
  };

  const deliver = async (target: Route, event: CloudEvent, hops: number, path: string[]) => {
    const id = event.attributes.id ?? '';
    const options = { timeoutMs: delivery.requestTimeoutMs, signal: controller.signal };
    const outcome = await deliverWithRetry(target.subscriber, event, retryPolicy(target), options, (status, attempt, delayMs) =>
      emit({ kind: 'retry', trigger: target.name, id, status, attempt, delayMs }));
    if (outcome.aborted) return;
    if (!outcome.ok) {
      const deadLetterUrl = target.delivery.deadLetterUrl ?? delivery.deadLetterUrl;
      if (deadLetterUrl === undefined) {
        emit({ kind: 'dropped', trigger: target.name, id, status: outcome.status, attempts: outcome.attempts });
        return;
      }
      // Knative's dead-letter extensions: where it was going, what came back.
      const attributes: Record<string, string> = { ...event.attributes, knativeerrordest: target.subscriber };
      if (typeof outcome.status === 'number') attributes.knativeerrorcode = String(outcome.status);
      if (outcome.last.body.length > 0) attributes.knativeerrordata = outcome.last.body.subarray(0, ERROR_DATA_LIMIT).toString('base64');
      const dead = await postEvent(deadLetterUrl, { attributes, data: event.data }, options);
      emit({ kind: 'dead-letter', trigger: target.name, id, status: outcome.status, attempts: outcome.attempts, deadLetterUrl, deadLetterStatus: dead.status, ok: dead.ok });
      return;
    }
    emit({ kind: 'delivered', trigger: target.name, id, status: outcome.status as number, attempts: outcome.attempts });
    if (!looksLikeCloudEvent(outcome.last.headers)) return;
    let reply: CloudEvent;
    try {
      reply = parseHttpCloudEvent(outcome.last.headers, outcome.last.body);
    } catch (error) {
      emit({ kind: 'bad-reply', trigger: target.name, id, reason: (error as Error).message });
      return;
    }
    const nextPath = [...path, target.name];
    if (config.kind === 'broker') {
      emit({ kind: 'reply', trigger: target.name, id, reply: summarize(reply), forwardedTo: null });
      route(reply, hops + 1, nextPath, 'reply');
      return;
    }
    // Channel: the reply goes to the subscription's reply destination, hop count attached.
    emit({ kind: 'reply', trigger: target.name, id, reply: summarize(reply), forwardedTo: target.reply ?? null });
    if (target.reply === undefined) return;
    const replyId = reply.attributes.id ?? '';
    if (hops + 1 > delivery.maxHops) {
      emit({
        kind: 'loop', id: replyId, type: reply.attributes.type ?? '', source: reply.attributes.source ?? '', hops: hops + 1, maxHops: delivery.maxHops,
        triggers: nextPath, message: loopMessage(reply, hops + 1, delivery.maxHops, nextPath, noun),
      });
      return;
    }
    const forwarded: CloudEvent = { attributes: { ...reply.attributes, [HOPS_EXTENSION]: String(hops + 1) }, data: reply.data };
    const sent = await deliverWithRetry(target.reply, forwarded, retryPolicy(target), options, (status, attempt, delayMs) =>
      emit({ kind: 'retry', trigger: target.name, id: replyId, status, attempt, delayMs }));
    if (sent.aborted) return;
    if (sent.ok) emit({ kind: 'delivered', trigger: target.name, id: replyId, status: sent.status as number, attempts: sent.attempts });
    else emit({ kind: 'dropped', trigger: target.name, id: replyId, status: sent.status, attempts: sent.attempts });
  };

  return {
    route,
    pending: () => inFlight.size,
    async close() {
      controller.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

interface IngressOptions {
  port: number;
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
  const url = await listen(server, options.port, options.host);
  return { url, server };
}

function toRoute(trigger: Trigger): Route {
  return { name: trigger.name, subscriber: trigger.subscriber, filter: { ...trigger.filter }, delivery: { ...trigger.delivery } };
}

function checkTrigger(trigger: Trigger): Trigger {
  if (typeof trigger.name !== 'string' || trigger.name === '') throw new UsageError('A trigger needs a name.');
  checkUrl(trigger.subscriber, `subscriber of trigger "${trigger.name}"`);
  for (const [name, value] of Object.entries(trigger.filter ?? {})) {
    if (typeof value !== 'string') throw new UsageError(`Trigger "${trigger.name}": filter attribute ${name} must be a string.`);
  }
  checkDelivery(trigger.delivery, `trigger "${trigger.name}"`);
  return { ...trigger, filter: { ...(trigger.filter ?? {}) }, delivery: trigger.delivery === undefined ? undefined : { ...trigger.delivery } };
}

/**
 * Starts a broker on loopback. Each accepted event is answered 202 at once and then delivered
 * to every trigger whose filter matches; replies are routed again (at most maxHops in a row).
 */
export async function startBroker(options: BrokerOptions, onEvent: (event: BrokerEvent) => void): Promise<BrokerHandle> {
  const delivery = resolveDelivery(options);
  const triggers = new Map<string, Trigger>();
  for (const trigger of options.triggers ?? []) {
    if (triggers.has(trigger.name)) throw new UsageError(`Two triggers are named "${trigger.name}".`);
    triggers.set(trigger.name, checkTrigger(trigger));
  }
  let closed = false;
  const router = createRouter({ kind: 'broker', delivery, routes: () => [...triggers.values()].map(toRoute), onEvent });
  const { url, server } = await startIngress(
    { port: options.port ?? 0, host: options.host ?? '127.0.0.1', maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES },
    (event, hops) => router.route(event, hops, [], 'ingress'),
    onEvent,
    () => closed,
  );
  return {
    url,
    triggers: () => [...triggers.values()].map((t) => ({ ...t, filter: { ...t.filter } })),
    addTrigger(trigger) {
      triggers.set(trigger.name, checkTrigger(trigger));
    },
    removeTrigger: (name) => triggers.delete(name),
    pending: router.pending,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([closeServer(server), router.close()]);
    },
  };
}

function checkSubscription(subscription: Subscription): Subscription {
  if (typeof subscription.name !== 'string' || subscription.name === '') throw new UsageError('A subscription needs a name.');
  checkUrl(subscription.subscriber, `subscriber of subscription "${subscription.name}"`);
  if (subscription.reply !== undefined) checkUrl(subscription.reply, `reply of subscription "${subscription.name}"`);
  checkDelivery(subscription.delivery, `subscription "${subscription.name}"`);
  return { ...subscription, delivery: subscription.delivery === undefined ? undefined : { ...subscription.delivery } };
}

/**
 * Starts a channel on loopback: every accepted event goes to every subscription (no filters);
 * a subscriber's reply is POSTed to that subscription's `reply` URL.
 */
export async function startChannel(options: ChannelOptions, onEvent: (event: BrokerEvent) => void): Promise<ChannelHandle> {
  const delivery = resolveDelivery(options);
  const subscriptions = new Map<string, Subscription>();
  for (const subscription of options.subscriptions ?? []) {
    if (subscriptions.has(subscription.name)) throw new UsageError(`Two subscriptions are named "${subscription.name}".`);
    subscriptions.set(subscription.name, checkSubscription(subscription));
  }
  let closed = false;
  const routes = () => [...subscriptions.values()].map((s): Route => ({ name: s.name, subscriber: s.subscriber, filter: {}, delivery: { ...s.delivery }, reply: s.reply }));
  const router = createRouter({ kind: 'channel', delivery, routes, onEvent });
  const { url, server } = await startIngress(
    { port: options.port ?? 0, host: options.host ?? '127.0.0.1', maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES },
    (event, hops) => router.route(event, hops, [], 'ingress'),
    onEvent,
    () => closed,
  );
  return {
    url,
    subscriptions: () => [...subscriptions.values()].map((s) => ({ ...s })),
    addSubscription(subscription) {
      subscriptions.set(subscription.name, checkSubscription(subscription));
    },
    removeSubscription: (name) => subscriptions.delete(name),
    pending: router.pending,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([closeServer(server), router.close()]);
    },
  };
}
