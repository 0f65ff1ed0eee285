// Parsing --set values for the templates: every failure is a one-line UsageError naming the
// key and the value. Object references (sink, subscriber, reply, channel) default their
// apiVersion from the kinds catalogue.
import { defaultApiVersion, type KnownKind } from '../cluster/kinds.js';
import { UsageError } from '../errors.js';

export type Obj = Record<string, any>;

export function bad(key: string, value: string, what: string): never {
  throw new UsageError(`--set ${key}="${value}": ${what}.`);
}

export function text(key: string, value: string): string {
  if (value.trim() === '') bad(key, value, `${key} must not be empty`);
  return value;
}

/** A Kubernetes object name (DNS-1123 subdomain). */
export function objectName(key: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) {
    bad(key, value, `${key} must be a Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`);
  }
  return value;
}

/** A Knative Service name (DNS-1035 label: it becomes a host name). */
export function serviceName(key: string, value: string): string {
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    bad(key, value, `${key} must be lower-case letters, digits and '-', start with a letter, at most 63 characters`);
  }
  return value;
}

export function wholeNumber(key: string, value: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    bad(key, value, `${key} must be a whole number${min > 0 ? ` of at least ${min}` : ''}`);
  }
  return n;
}

export function oneOf<T extends string>(key: string, value: string, choices: readonly T[]): T {
  const match = choices.find((c) => c.toLowerCase() === value.toLowerCase());
  if (!match) bad(key, value, `${key} must be one of ${choices.join(', ')}`);
  return match;
}

export function list(key: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) bad(key, value, `${key} takes one or more comma-separated values`);
  return items;
}

export function hostPorts(key: string, value: string): string[] {
  const items = list(key, value);
  for (const item of items) if (!/^[^\s:,]+:\d{1,5}$/.test(item)) bad(key, value, `${key} takes host:port[,host:port...]`);
  return items;
}

/** Strimzi/Kafka config values: numbers and booleans as such, the rest as strings. */
export function scalar(value: string): string | number | boolean {
  if (/^-?\d{1,15}$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

// The kinds a sink/subscriber/reply/channel reference may name (default apiVersion: the catalogue's).
const REF_KINDS: KnownKind[] = ['Service', 'Broker', 'Channel', 'InMemoryChannel', 'KafkaChannel', 'KafkaSink'];
const REF_ALIASES: Record<string, KnownKind> = { ksvc: 'Service' };

/**
 * kn's reference syntax for sinks and subscribers: prefix:name[:namespace]. `svc` is a plain
 * Kubernetes Service (core v1: seed 003's triggers point at those), `ksvc` a Knative Service.
 */
const KN_PREFIXES: Record<string, KnownKind | 'CoreService'> = { ksvc: 'Service', svc: 'CoreService', broker: 'Broker', channel: 'Channel', kafkasink: 'KafkaSink' };

/** `ksvc:NAME`, `svc:NAME`, `broker:NAME`, `channel:NAME`, `kafkasink:NAME`, each with an optional `:NAMESPACE`; undefined for anything else. */
export function knReference(key: string, value: string, ctx: Ctx): Obj | undefined {
  const match = /^([a-z]+):([^:/]+)(?::([^:/]+))?$/.exec(value);
  if (!match || /^https?$/.test(match[1]!)) return undefined;
  const kind = KN_PREFIXES[match[1]!];
  if (!kind) bad(key, value, `${key} takes kn's prefix:name[:namespace] with prefix one of ${Object.keys(KN_PREFIXES).join(', ')}, a name, Kind/name, or a URL`);
  const name = objectName(key, match[2]!);
  const namespace = match[3] === undefined ? undefined : objectName(key, match[3]);
  const ref: Obj = kind === 'CoreService'
    ? { apiVersion: 'v1', kind: 'Service', name }
    : { apiVersion: ctx.apiVersions[kind] ?? defaultApiVersion(kind), kind, name };
  if (namespace) ref.namespace = namespace;
  return ref;
}

export interface Ctx {
  apiVersions: Record<string, string>;
}

export function kReference(key: string, value: string, defaultKind: KnownKind, ctx: Ctx, allowed: KnownKind[] = REF_KINDS): Obj {
  const slash = value.indexOf('/');
  let kind = defaultKind;
  let name = value;
  if (slash >= 0) {
    const given = value.slice(0, slash);
    const canonical = REF_ALIASES[given.toLowerCase()] ?? allowed.find((k) => k.toLowerCase() === given.toLowerCase());
    if (!canonical || !allowed.includes(canonical)) bad(key, value, `${key} takes name or Kind/name with Kind one of ${allowed.join(', ')}`);
    kind = canonical;
    name = value.slice(slash + 1);
  }
  objectName(key, name);
  return { apiVersion: ctx.apiVersions[kind] ?? defaultApiVersion(kind), kind, name };
}

/** A Knative Destination: `name` (defaultKind), `Kind/name`, kn's `prefix:name[:namespace]`, or an http(s) URL. */
export function destination(key: string, value: string, defaultKind: KnownKind, ctx: Ctx): Obj {
  const kn = knReference(key, value, ctx);
  if (kn) return { ref: kn };
  if (/^https?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      bad(key, value, `${key} is not a valid URL`);
    }
    return { uri: value };
  }
  return { ref: kReference(key, value, defaultKind, ctx) };
}

/**
 * A Subscription's default name: its channel and subscriber (`ch-event-display`), so two
 * `subscribe` commands with different channels or subscribers never replace each other's
 * object. A DNS-1123 label: lower case, at most 63 characters.
 */
export function subscriptionName(channel: string, subscriber: string): string {
  let target = subscriber;
  if (/^https?:\/\//i.test(subscriber)) {
    try {
      target = new URL(subscriber).hostname.split('.')[0] || 'url';
    } catch {
      target = 'url';
    }
  } else if (subscriber.includes('/')) {
    target = subscriber.slice(subscriber.lastIndexOf('/') + 1);
  } else if (subscriber.includes(':')) {
    target = subscriber.split(':')[1] ?? subscriber; // kn's prefix:name[:namespace]
  }
  const label = `${channel}-${target}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '');
  return label.slice(0, 63).replace(/-+$/, '') || 'subscription';
}
