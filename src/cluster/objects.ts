// list / describe / delete for the objects firehose creates on a cluster, as kn does for
// each noun (`kn broker list`, `kn broker describe NAME`, `kn broker delete NAME`): one
// catalogue of nouns (which kinds each covers and the columns each shows), one reader of
// status (Ready, reason, address URL, age) for all of them.
import { FirehoseError } from '../errors.js';
import { deleteAndWait, objectPath, ownedByController, type KubeObject } from './apply.js';
import type { ClusterClient } from './connect.js';
import { servedResources, type ApiResource } from './discovery.js';
import { kindNotInstalled } from './errors.js';
import { KINDS, kindName, kindRef, type KnownKind } from './kinds.js';
import type { Condition } from './wait.js';

type Obj = Record<string, any>;

/** One noun of the command tree and the kinds it covers. */
export interface ObjectType {
  /** The command group (`broker`), singular. */
  noun: string;
  /** Plural for messages ("brokers"). */
  plural: string;
  kinds: KnownKind[];
  /** Columns between NAME and AGE in `list`, and the same facts in `describe`. */
  columns: Array<{ header: string; value: (object: KubeObject) => string }>;
}

/** "kind:name" of a Knative reference, or its URI (how kn prints a sink). */
export function destinationText(destination: Obj | undefined): string {
  if (!destination) return '';
  const ref = destination.ref as Obj | undefined;
  let text = '';
  if (ref?.name) {
    const prefix = ref.kind === 'Service' ? (String(ref.apiVersion ?? '').startsWith('serving.knative.dev') ? 'ksvc' : 'svc') : String(ref.kind ?? '').toLowerCase();
    text = `${prefix}:${ref.name}${ref.namespace ? `:${ref.namespace}` : ''}`;
  }
  if (destination.uri) text = text ? `${text}${destination.uri}` : String(destination.uri);
  return text;
}

const spec = (o: KubeObject): Obj => (o.spec ?? {}) as Obj;
const status = (o: KubeObject): Obj => (o.status ?? {}) as Obj;
const addressUrl = (o: KubeObject): string => String(status(o).address?.url ?? status(o).url ?? '');

export const OBJECT_TYPES: Record<string, ObjectType> = {
  broker: {
    noun: 'broker', plural: 'brokers', kinds: ['Broker'],
    columns: [
      { header: 'URL', value: addressUrl },
      { header: 'CLASS', value: (o) => o.metadata.annotations?.['eventing.knative.dev/broker.class'] ?? '' },
    ],
  },
  trigger: {
    noun: 'trigger', plural: 'triggers', kinds: ['Trigger'],
    columns: [
      { header: 'BROKER', value: (o) => String(spec(o).broker ?? '') },
      { header: 'SUBSCRIBER', value: (o) => destinationText(spec(o).subscriber) },
      { header: 'FILTER', value: (o) => Object.entries((spec(o).filter?.attributes ?? {}) as Obj).map(([k, v]) => `${k}=${v}`).join(',') },
    ],
  },
  channel: {
    noun: 'channel', plural: 'channels', kinds: ['Channel', 'KafkaChannel', 'InMemoryChannel'],
    columns: [
      { header: 'TYPE', value: (o) => (o.kind === 'Channel' ? String(spec(o).channelTemplate?.kind ?? status(o).channel?.kind ?? 'Channel') : o.kind) },
      { header: 'URL', value: addressUrl },
    ],
  },
  subscription: {
    noun: 'subscription', plural: 'subscriptions', kinds: ['Subscription'],
    columns: [
      { header: 'CHANNEL', value: (o) => (spec(o).channel?.name ? `${String(spec(o).channel.kind ?? 'Channel')}:${spec(o).channel.name}` : '') },
      { header: 'SUBSCRIBER', value: (o) => destinationText(spec(o).subscriber) },
      { header: 'REPLY', value: (o) => destinationText(spec(o).reply) },
      { header: 'DEAD LETTER SINK', value: (o) => destinationText(spec(o).delivery?.deadLetterSink) },
    ],
  },
  source: {
    noun: 'source', plural: 'sources', kinds: ['KafkaSource', 'PingSource'],
    columns: [
      { header: 'TYPE', value: (o) => o.kind },
      {
        header: 'RESOURCE',
        value: (o) => (o.kind === 'PingSource' ? `schedule ${String(spec(o).schedule ?? '')}` : [spec(o).topics].flat().filter(Boolean).join(',')),
      },
      { header: 'SINK', value: (o) => destinationText(spec(o).sink) },
    ],
  },
  service: {
    noun: 'service', plural: 'Knative Services', kinds: ['Service'],
    columns: [
      { header: 'URL', value: addressUrl },
      { header: 'LATEST', value: (o) => String(status(o).latestReadyRevisionName ?? '') },
    ],
  },
  kafkatopic: {
    noun: 'kafkatopic', plural: 'KafkaTopics', kinds: ['KafkaTopic'],
    columns: [
      { header: 'TOPIC', value: (o) => String(spec(o).topicName ?? status(o).topicName ?? o.metadata.name) },
      { header: 'CLUSTER', value: (o) => o.metadata.labels?.['strimzi.io/cluster'] ?? '' },
      { header: 'PARTITIONS', value: (o) => String(spec(o).partitions ?? '') },
      { header: 'REPLICAS', value: (o) => String(spec(o).replicas ?? '') },
    ],
  },
  mirror: {
    noun: 'mirror', plural: 'mirrors (KafkaMirrorMaker2)', kinds: ['KafkaMirrorMaker2'],
    columns: [
      {
        header: 'SOURCE → TARGET',
        value: (o) => {
          // v1beta2: connectCluster + mirrors[].sourceCluster; v1: target.alias + mirrors[].source.alias.
          const s = spec(o);
          const target = s.target?.alias ?? s.connectCluster ?? '?';
          const sources = ((s.mirrors ?? []) as Obj[]).map((m) => m.source?.alias ?? m.sourceCluster ?? '?');
          return `${sources.join(',') || '?'} → ${target}`;
        },
      },
      {
        header: 'CONNECTORS',
        value: (o) => ((status(o).connectors ?? []) as Obj[]).map((c) => `${String(c.name ?? '?').replace(/^.*->.*?\./, '')}=${c.connector?.state ?? '?'}`).join(',') || '',
      },
    ],
  },
};

/** What list and describe show of one object. */
export interface ObjectSummary {
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  /** True, False or Unknown ("" without a Ready condition yet). */
  ready: string;
  /** The Ready condition's reason when it is not True. */
  reason: string;
  created?: string;
  /** The type's columns, by header. */
  fields: Record<string, string>;
}

export function conditionsOf(object: KubeObject): Condition[] {
  const conditions = status(object).conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

export function summarize(type: ObjectType, object: KubeObject): ObjectSummary {
  const ready = conditionsOf(object).find((c) => c.type === 'Ready');
  return {
    kind: object.kind,
    apiVersion: object.apiVersion,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ready: ready?.status ?? '',
    reason: ready && ready.status !== 'True' ? (ready.reason ?? '') : '',
    created: object.metadata.creationTimestamp as string | undefined,
    fields: Object.fromEntries(type.columns.map((c) => [c.header, c.value(object)])),
  };
}

/** "12s", "5m", "3h", "2d": kubectl's AGE. */
export function age(created: string | undefined, now = Date.now()): string {
  if (!created) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 120 * 60) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function objectType(noun: string): ObjectType {
  const type = OBJECT_TYPES[noun];
  if (!type) throw new Error(`no object type ${noun}`);
  return type;
}

/** The served resources of a type's kinds; KIND_NOT_INSTALLED when the cluster serves none of them. */
async function resourcesOf(client: ClusterClient, type: ObjectType): Promise<ApiResource[]> {
  const resources = await servedResources(client, type.kinds.map(kindRef));
  if (resources.length === 0) throw kindNotInstalled(kindName(type.kinds[0]!), KINDS[type.kinds[0]!].group);
  return resources;
}

export interface ListObjectsOptions {
  /** undefined: every namespace (kubectl -A). */
  namespace?: string;
  signal?: AbortSignal;
}

/**
 * Every object of the type in the namespace (or all), sorted by namespace and name. An
 * object another one controls (the InMemoryChannel behind a Channel) is left out: it is
 * listed through its owner.
 */
export async function listObjects(client: ClusterClient, type: ObjectType, options: ListObjectsOptions): Promise<Array<ObjectSummary & { object: KubeObject }>> {
  const resources = await resourcesOf(client, type);
  const where = options.namespace === undefined ? 'all namespaces' : options.namespace;
  const lists = await Promise.all(resources.map(async (resource) => {
    const path = options.namespace === undefined ? objectPath({ ...resource, namespaced: false }, undefined, '') : objectPath(resource, undefined, options.namespace);
    const list = await client.json<{ items?: KubeObject[] }>('GET', path, { what: `list ${resource.kind} in ${where}`, signal: options.signal });
    return (list.items ?? [])
      .filter((item) => !ownedByController(item))
      .map((item) => ({ ...item, apiVersion: resource.apiVersion, kind: resource.kind }));
  }));
  return lists.flat()
    .map((object) => ({ ...summarize(type, object), object }))
    .sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
}

/** The one object of the type with this name; NOT_FOUND (with how to list them) when there is none. */
export async function getObjectOf(client: ClusterClient, type: ObjectType, name: string, namespace: string, signal?: AbortSignal): Promise<KubeObject> {
  const resources = await resourcesOf(client, type);
  for (const resource of resources) {
    const what = `read ${resource.kind} ${name} in ${namespace}`;
    const res = await client.request('GET', objectPath(resource, name, namespace), { what, signal });
    if (res.status === 404) continue;
    if (res.status !== 200) throw client.fail(res, { what });
    return { ...res.json<KubeObject>(), apiVersion: resource.apiVersion, kind: resource.kind };
  }
  throw new FirehoseError('NOT_FOUND', `No ${type.noun} ${name} in namespace ${namespace}.`, {
    hint: `\`firehose ${type.noun} list\` shows the ${type.plural} there (-A: every namespace).`,
  });
}

export interface DeleteObjectsOptions {
  namespace: string;
  dryRun?: boolean;
  /** Wait until each is gone (finalizers run), at most this long; 0: do not wait. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Deletes the named objects of the type, each after checking it exists (NOT_FOUND names the
 * first missing one before anything is deleted), and waits until each is gone.
 */
export async function deleteObjects(client: ClusterClient, type: ObjectType, names: string[], options: DeleteObjectsOptions): Promise<Array<{ kind: string; apiVersion: string; name: string; namespace: string; result: 'deleted' | 'deleting' }>> {
  const objects: KubeObject[] = [];
  for (const name of names) objects.push(await getObjectOf(client, type, name, options.namespace, options.signal));
  const out = [];
  for (const object of objects) {
    const result = await deleteAndWait(client, object, { dryRun: options.dryRun, timeoutMs: options.timeoutMs, signal: options.signal });
    out.push({ kind: object.kind, apiVersion: object.apiVersion, name: object.metadata.name, namespace: options.namespace, result: result === 'deleting' ? 'deleting' as const : 'deleted' as const });
  }
  return out;
}
