/**
 * Knative Trigger YAML (eventing.knative.dev v1, v1beta1, v1alpha1; one or more documents)
 * → the local broker's Trigger objects.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import type { BackoffPolicy } from '../delivery.js';
import type { Trigger } from './broker.js';
import type { DeliverySpec } from './router.js';

export const TRIGGER_API_VERSIONS = ['eventing.knative.dev/v1', 'eventing.knative.dev/v1beta1', 'eventing.knative.dev/v1alpha1'];

/** Turns a subscriber `ref` (kind Service, name X) into a URL; undefined when unknown. */
export type ResolveRef = (kind: string, name: string, namespace: string | undefined) => string | undefined | Promise<string | undefined>;

export interface TriggerYamlOptions {
  /** Named in error messages. Default "<input>". */
  file?: string;
  resolveRef?: ResolveRef;
  /** Skip documents of other kinds (a Service in the same file) instead of failing. Default false. */
  skipOtherKinds?: boolean;
}

function fail(message: string, hint?: string): never {
  throw new UsageError(message, hint ?? 'A Trigger needs metadata.name, spec.filter.attributes (optional) and spec.subscriber.uri or spec.subscriber.ref.', {
    code: 'BAD_TRIGGER_YAML',
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** ISO 8601 durations as Knative's backoffDelay uses them: PT0.2S, PT1M30S, P0DT1S. */
export function parseIsoDuration(text: string): number | undefined {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!match || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined;
  const [, d, h, m, s] = match;
  return Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(s ?? 0) * 1000);
}

interface Place {
  where: string;
}

async function destination(
  value: unknown,
  field: string,
  place: Place,
  namespace: string | undefined,
  resolveRef: ResolveRef | undefined,
): Promise<string> {
  if (!isObject(value)) fail(`${place.where}: ${field} must be a mapping with uri or ref.`);
  const uri = value.uri === undefined ? undefined : scalar(value.uri);
  if (value.uri !== undefined && uri === undefined) fail(`${place.where}: ${field}.uri must be a string.`);
  let base: string | undefined;
  if (value.ref !== undefined) {
    const ref = value.ref;
    if (!isObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') {
      fail(`${place.where}: ${field}.ref needs kind and name.`);
    }
    const refNamespace = typeof ref.namespace === 'string' ? ref.namespace : namespace;
    if (!resolveRef) {
      fail(`${place.where}: ${field}.ref points to ${ref.kind} "${ref.name}", which cannot be resolved here.`, `Use ${field}.uri with the subscriber's URL instead.`);
    }
    let resolved: string | undefined;
    try {
      resolved = await resolveRef(ref.kind, ref.name, refNamespace);
    } catch (error) {
      fail(`${place.where}: cannot resolve ${field}.ref ${ref.kind} "${ref.name}": ${(error as Error).message}`);
    }
    if (resolved === undefined) fail(`${place.where}: ${field}.ref points to ${ref.kind} "${ref.name}", which is not known here.`, `Start that ${ref.kind} first, or use ${field}.uri.`);
    base = resolved;
  }
  if (base === undefined && uri === undefined) fail(`${place.where}: ${field} has neither uri nor ref.`);
  let url: URL;
  try {
    // As in Knative: with a ref, uri is resolved against the ref's address (a path, usually).
    url = base === undefined ? new URL(uri!) : uri === undefined ? new URL(base) : new URL(uri, base);
  } catch {
    fail(`${place.where}: ${field}.uri "${uri ?? base}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${place.where}: ${field}.uri "${url.href}" is not an http(s) URL.`);
  return url.href;
}

async function delivery(value: unknown, place: Place, namespace: string | undefined, resolveRef: ResolveRef | undefined): Promise<DeliverySpec | undefined> {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail(`${place.where}: spec.delivery must be a mapping.`);
  const spec: DeliverySpec = {};
  if (value.retry !== undefined) {
    if (typeof value.retry !== 'number' || !Number.isInteger(value.retry) || value.retry < 0) fail(`${place.where}: spec.delivery.retry must be a whole number ≥ 0.`);
    spec.retries = value.retry;
  }
  if (value.backoffPolicy !== undefined) {
    if (value.backoffPolicy !== 'exponential' && value.backoffPolicy !== 'linear') fail(`${place.where}: spec.delivery.backoffPolicy must be exponential or linear.`);
    spec.backoffPolicy = value.backoffPolicy as BackoffPolicy;
  }
  if (value.backoffDelay !== undefined) {
    const ms = typeof value.backoffDelay === 'string' ? parseIsoDuration(value.backoffDelay) : undefined;
    if (ms === undefined) fail(`${place.where}: spec.delivery.backoffDelay must be an ISO 8601 duration such as PT0.2S.`);
    spec.backoffMs = ms;
  }
  if (value.deadLetterSink !== undefined) spec.deadLetterUrl = await destination(value.deadLetterSink, 'spec.delivery.deadLetterSink', place, namespace, resolveRef);
  return spec;
}

function filterOf(spec: Record<string, unknown>, place: Place): Record<string, string> {
  const filter: Record<string, string> = {};
  if (spec.filter === undefined || spec.filter === null) return filter;
  if (!isObject(spec.filter)) fail(`${place.where}: spec.filter must be a mapping.`);
  const { attributes, sourceAndType } = spec.filter;
  if (attributes !== undefined && attributes !== null) {
    if (!isObject(attributes)) fail(`${place.where}: spec.filter.attributes must be a mapping of attribute names to values.`);
    for (const [name, value] of Object.entries(attributes)) {
      const text = value === null ? '' : scalar(value);
      if (text === undefined) fail(`${place.where}: spec.filter.attributes.${name} must be a string.`);
      filter[name.toLowerCase()] = text;
    }
  }
  // v1alpha1's older form; "Any" (or empty) means no filter on that attribute.
  if (sourceAndType !== undefined && sourceAndType !== null) {
    if (!isObject(sourceAndType)) fail(`${place.where}: spec.filter.sourceAndType must be a mapping.`);
    for (const name of ['type', 'source'] as const) {
      const text = sourceAndType[name] === undefined ? undefined : scalar(sourceAndType[name]);
      if (text !== undefined && text !== '' && text !== 'Any') filter[name] = text;
    }
  }
  return filter;
}

/** Parses one or more YAML documents of Knative Triggers. Throws UsageError BAD_TRIGGER_YAML. */
export async function parseTriggerYaml(text: string, options: TriggerYamlOptions = {}): Promise<Trigger[]> {
  const file = options.file ?? '<input>';
  const YAML = await import('yaml');
  const documents = YAML.parseAllDocuments(text);
  if (!Array.isArray(documents)) fail(`${file}: no YAML documents.`);
  const triggers: Trigger[] = [];
  const names = new Set<string>();
  const several = documents.length > 1;
  for (const [index, document] of documents.entries()) {
    const docWhere = several ? `${file} (document ${index + 1})` : file;
    const error = document.errors[0];
    if (error) {
      const line = error.message.split('\n')[0]!.replace(/:$/, '');
      fail(`${file}: not valid YAML: ${line}`, 'Check the indentation near that line.');
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue; // an empty document (a trailing ---)
    if (!isObject(value) || typeof value.kind !== 'string') fail(`${docWhere}: not a Kubernetes resource (no kind).`);
    const metadata = isObject(value.metadata) ? value.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : undefined;
    if (value.kind !== 'Trigger') {
      if (options.skipOtherKinds) continue;
      fail(`${docWhere}: is a ${value.kind}${name ? ` "${name}"` : ''}, not a Trigger.`, 'Give only Trigger resources here.');
    }
    const place: Place = { where: name ? `${file}: Trigger "${name}"` : docWhere };
    if (typeof value.apiVersion !== 'string' || !TRIGGER_API_VERSIONS.includes(value.apiVersion)) {
      fail(`${place.where}: apiVersion ${String(value.apiVersion ?? '(missing)')} is not supported (use eventing.knative.dev/v1).`);
    }
    if (!name) fail(`${docWhere}: the Trigger has no metadata.name.`);
    if (names.has(name)) fail(`${place.where}: defined twice.`);
    names.add(name);
    if (!isObject(value.spec)) fail(`${place.where}: spec is missing.`);
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
    if (value.spec.subscriber === undefined || value.spec.subscriber === null) {
      fail(`${place.where}: spec.subscriber is missing (set spec.subscriber.uri or spec.subscriber.ref).`);
    }
    const trigger: Trigger = {
      name,
      filter: filterOf(value.spec, place),
      subscriber: await destination(value.spec.subscriber, 'spec.subscriber', place, namespace, options.resolveRef),
      broker: typeof value.spec.broker === 'string' ? value.spec.broker : 'default',
    };
    const spec = await delivery(value.spec.delivery, place, namespace, options.resolveRef);
    if (spec !== undefined) trigger.delivery = spec;
    triggers.push(trigger);
  }
  return triggers;
}

/** Reads a Trigger YAML file (see parseTriggerYaml). */
export async function loadTriggerFile(path: string, options: Omit<TriggerYamlOptions, 'file'> = {}): Promise<Trigger[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read: ${code ?? (error as Error).message}`, undefined, { code: 'BAD_TRIGGER_YAML', cause: error });
  }
  return parseTriggerYaml(text, { ...options, file: path });
}
