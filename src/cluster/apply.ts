import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, USER_LABEL, managedLabels } from '../labels.js';
import { FirehoseError, UsageError } from '../errors.js';
import type { ClusterClient } from './connect.js';
import { resolveResource, servedResources, type ApiResource, type KindRef } from './discovery.js';
import { kindRef } from './kinds.js';

/** Labels on everything firehose creates. */
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, USER_LABEL, managedLabels };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** The kinds firehose creates (what listManaged/cleanup look at). */
export const MANAGED_KINDS: KindRef[] = ([
  'Kafka', 'KafkaTopic', 'KafkaMirrorMaker2', 'Integration', 'Service', 'KafkaSource', 'PingSource', 'Broker', 'Trigger', 'KafkaSink',
  'Channel', 'KafkaChannel', 'InMemoryChannel', 'Subscription', 'ConfigMap', 'Deployment', 'CoreService',
] as const).map((kind) => kindRef(kind));

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyOptions {
  /** Ask the server to validate and default, without storing (dryRun=All). */
  dryRun?: boolean;
  /** Server-side apply field manager. Default "firehose". */
  fieldManager?: string;
  signal?: AbortSignal;
}

export interface ApplyResult {
  object: KubeObject;
  action: ApplyAction;
}

/** "KafkaTopic my-topic-7" (for messages). */
export function describeObject(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${object.kind} ${object.metadata.name}`;
}

/** The REST path of an object (namespace: its own, else the client's). */
export function objectPath(resource: ApiResource, name: string | undefined, namespace: string): string {
  const base = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

function checkObject(object: KubeObject): void {
  if (!object?.apiVersion || !object.kind || !object.metadata?.name) {
    throw new UsageError('A Kubernetes object needs apiVersion, kind and metadata.name.', undefined, { code: 'OBJECT_INVALID' });
  }
}

/** Reads one object; undefined when it does not exist. */
export async function getObject(client: ClusterClient, ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, signal?: AbortSignal): Promise<KubeObject | undefined> {
  checkObject(ref as KubeObject);
  const resource = await resolveResource(client, ref.apiVersion, ref.kind);
  const what = `read ${describeObject(ref)}`;
  const res = await client.request('GET', objectPath(resource, ref.metadata.name, ref.metadata.namespace ?? client.namespace), { what, signal });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw client.fail(res, { what });
  return res.json<KubeObject>();
}

/** What changes on every write without meaning a change of the object. */
function comparable(object: KubeObject | undefined): string {
  if (!object) return '';
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, creationTimestamp: _ct, uid: _uid, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata, status: undefined });
}

/**
 * Server-side apply (force, field manager "firehose") to the object's REST path, found
 * through discovery. Reports created / configured / unchanged: an apply that changes
 * nothing does not bump resourceVersion, so running it twice says "unchanged".
 */
export async function applyObject(client: ClusterClient, object: KubeObject, options: ApplyOptions = {}): Promise<ApplyResult> {
  checkObject(object);
  const resource = await resolveResource(client, object.apiVersion, object.kind);
  const namespace = object.metadata.namespace ?? client.namespace;
  const path = objectPath(resource, object.metadata.name, namespace);
  const what = `${options.dryRun ? 'dry-run ' : ''}apply ${describeObject(object)}${resource.namespaced ? ` in ${namespace}` : ''}`;

  const current = await client.request('GET', path, { what, signal: options.signal });
  if (current.status !== 200 && current.status !== 404) throw client.fail(current, { what });
  const before = current.status === 200 ? current.json<KubeObject>() : undefined;

  const withNamespace = resource.namespaced ? { ...object, metadata: { ...object.metadata, namespace } } : object;
  // An empty `spec: {}` reaches the server as null through apply and fails validation
  // ("spec in body must be of type object"); an absent spec is what it means.
  const { spec, ...rest } = withNamespace as KubeObject & { spec?: unknown };
  const body = spec && typeof spec === 'object' && Object.keys(spec).length === 0 ? rest : withNamespace;
  const applied = await client.json<KubeObject>('PATCH', path, {
    what,
    body,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: options.fieldManager ?? 'firehose', force: true, dryRun: options.dryRun ? 'All' : undefined },
    signal: options.signal,
  });
  let action: ApplyAction;
  if (!before) action = 'created';
  else if (options.dryRun) action = comparable(before) === comparable(applied) ? 'unchanged' : 'configured';
  else action = before.metadata.resourceVersion === applied.metadata.resourceVersion ? 'unchanged' : 'configured';
  return { object: applied, action };
}

export interface DeleteOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Deletes an object; false when it was not there. */
export async function deleteObject(client: ClusterClient, ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, options: DeleteOptions = {}): Promise<boolean> {
  checkObject(ref as KubeObject);
  const resource = await resolveResource(client, ref.apiVersion, ref.kind);
  const namespace = ref.metadata.namespace ?? client.namespace;
  return deleteAt(client, resource, ref.metadata.name, namespace, options);
}

async function deleteAt(client: ClusterClient, resource: ApiResource, name: string, namespace: string, options: DeleteOptions): Promise<boolean> {
  const what = `${options.dryRun ? 'dry-run ' : ''}delete ${resource.kind} ${name}${resource.namespaced ? ` in ${namespace}` : ''}`;
  const res = await client.request('DELETE', objectPath(resource, name, namespace), {
    what,
    query: { dryRun: options.dryRun ? 'All' : undefined, propagationPolicy: 'Background' },
    signal: options.signal,
  });
  if (res.status === 404) return false;
  if (res.status < 200 || res.status > 299) throw client.fail(res, { what });
  return true;
}

export interface ManagedQuery {
  /** Namespace to look in; undefined: all namespaces (needs cluster-wide list rights). */
  namespace?: string;
  /** The lab user number (label firehose.dev/user). */
  user: number;
  /** Kinds to consider. Default MANAGED_KINDS (only those the cluster serves are listed). */
  kinds?: KindRef[];
  signal?: AbortSignal;
}

export interface ManagedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  object: KubeObject;
}

/** A kind whose objects could not be listed (no RBAC to list it, typically), and why. */
export interface SkippedKind {
  kind: string;
  apiVersion: string;
  reason: string;
}

/**
 * Every object labelled managed-by=firehose and firehose.dev/user=N among the kinds firehose
 * creates, each kind listed on its own: a kind this user may not list (403) is reported in
 * `skipped` instead of failing the whole list; other failures still throw.
 */
export async function listManaged(client: ClusterClient, query: ManagedQuery): Promise<{ found: ManagedObject[]; skipped: SkippedKind[] }> {
  const resources = await servedResources(client, query.kinds ?? MANAGED_KINDS);
  const labelSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${USER_LABEL}=${query.user}`;
  const skipped: SkippedKind[] = [];
  const lists = await Promise.all(resources.map(async (resource) => {
    const where = query.namespace === undefined ? 'all namespaces' : query.namespace;
    const path = query.namespace === undefined || !resource.namespaced
      ? objectPath({ ...resource, namespaced: false }, undefined, '')
      : objectPath(resource, undefined, query.namespace);
    let list: { items?: KubeObject[] };
    try {
      list = await client.json<{ items?: KubeObject[] }>('GET', path, {
        what: `list ${resource.kind} (${resource.apiVersion}) in ${where}`,
        query: { labelSelector },
        signal: query.signal,
      });
    } catch (error) {
      if ((error as FirehoseError).code !== 'CLUSTER_FORBIDDEN') throw error;
      skipped.push({ kind: resource.kind, apiVersion: resource.apiVersion, reason: (error as Error).message });
      return [];
    }
    // An object another one controls (a Knative Revision's Deployment carries the Service's
    // labels) goes with its owner through the garbage collector: not firehose's to delete.
    return (list.items ?? []).filter((item) => !ownedByController(item)).map((item): ManagedObject => ({
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      name: item.metadata.name,
      namespace: item.metadata.namespace,
      object: { ...item, apiVersion: resource.apiVersion, kind: resource.kind },
    }));
  }));
  return { found: lists.flat(), skipped };
}

/** An object another one controls (a Revision's Deployment, a Channel's InMemoryChannel): it goes with its owner. */
export function ownedByController(object: KubeObject): boolean {
  const owners = object.metadata.ownerReferences;
  return Array.isArray(owners) && owners.some((owner: { controller?: boolean }) => owner?.controller === true);
}

export interface CleanupOptions extends ManagedQuery {
  dryRun?: boolean;
}

export interface CleanupResult {
  removed: ManagedObject[];
  /** Kinds that could not be listed: their objects, if any, are still there. */
  skipped: SkippedKind[];
}

/**
 * Deletes exactly what listManaged finds, kind by kind: a kind this user may not list is
 * skipped (in `skipped`) and the rest deleted all the same. With dryRun, deletes nothing.
 */
export async function cleanup(client: ClusterClient, options: CleanupOptions): Promise<CleanupResult> {
  const { found, skipped } = await listManaged(client, options);
  const resources = await servedResources(client, options.kinds ?? MANAGED_KINDS);
  const removed: ManagedObject[] = [];
  for (const item of found) {
    const resource = resources.find((r) => r.apiVersion === item.apiVersion && r.kind === item.kind)!;
    const deleted = await deleteAt(client, resource, item.name, item.namespace ?? client.namespace, { dryRun: options.dryRun, signal: options.signal });
    if (deleted) removed.push(item);
  }
  return { removed, skipped };
}

export interface DeleteAndWaitOptions extends DeleteOptions {
  /** Wait until the object is gone (finalizers run), at most this long; 0: do not wait. */
  timeoutMs: number;
}

/**
 * Deletes an object and waits until the API server no longer has it; 'absent' when it was
 * not there. Past the deadline: NOT_READY naming the object (something holds a finalizer).
 */
export async function deleteAndWait(client: ClusterClient, ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, options: DeleteAndWaitOptions): Promise<'deleted' | 'absent' | 'deleting'> {
  if (!(await deleteObject(client, ref, options))) return 'absent';
  if (options.dryRun || options.timeoutMs === 0) return options.dryRun ? 'deleted' : 'deleting';
  const deadline = Date.now() + options.timeoutMs;
  while (await getObject(client, ref, options.signal)) {
    if (options.signal?.aborted) return 'deleting';
    if (Date.now() > deadline) {
      throw new FirehoseError('NOT_READY', `${describeObject(ref)} is still there ${Math.round(options.timeoutMs / 1000)} s after it was deleted.`, {
        hint: 'Its finalizer waits for an operator (Strimzi\'s topic operator for a KafkaTopic): check that it runs, or pass --no-wait.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return 'deleted';
}
