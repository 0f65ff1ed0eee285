/**
 * What a local Knative Broker and Channel share: fan-out to the matching routes (triggers or
 * subscriptions), retries, dead letters, and replies, which a broker routes again and a
 * channel sends to the subscription's reply destination.
 */
import { UsageError } from '../../errors.js';
import { looksLikeCloudEvent, parseHttpCloudEvent, summarize, type CloudEvent, type EventSummary } from '../../events/cloudevent.js';
import type { BackoffPolicy, RetryPolicy } from '../delivery.js';
import { deliverWithRetry, postEvent } from '../http-delivery.js';

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

/** One place events go: a trigger (with its filter) or a subscription (filter {}). */
export interface Route {
  name: string;
  subscriber: string;
  filter: Record<string, string>;
  delivery: DeliverySpec;
  /** Channel subscriptions only: where replies are POSTed. */
  reply?: string;
}

export interface Resolved {
  retries: number;
  backoffMs: number;
  backoffPolicy: BackoffPolicy;
  deadLetterUrl?: string;
  requestTimeoutMs: number;
  maxHops: number;
}

export function resolveDelivery(options: DeliveryOptions): Resolved {
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

export function checkUrl(url: string, what: string): void {
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

export function checkDelivery(delivery: DeliverySpec | undefined, what: string): void {
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

/** A broker routes by trigger filters and routes replies again; a channel sends to every subscription. */
export type EventingKind = 'broker' | 'channel';

/** What a route is called in each kind, for messages. */
export const ROUTE_NOUN: Record<EventingKind, string> = { broker: 'trigger', channel: 'subscription' };

export interface RouterConfig {
  kind: EventingKind;
  delivery: Resolved;
  routes: () => Route[];
  onEvent: (event: BrokerEvent) => void;
}

/** Fan-out, retries, dead letters and replies: the part the broker and channel share. */
export function createRouter(config: RouterConfig) {
  const { delivery, onEvent } = config;
  const controller = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const noun = ROUTE_NOUN[config.kind];

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

