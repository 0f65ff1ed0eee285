import { getTemplate, listTemplates } from '../templates/catalogue.js';
import { renderTemplate, type RenderedObject } from '../templates/render.js';
import { applyObject, describeObject, type ApplyAction, type KubeObject } from './apply.js';
import type { ClusterClient } from './connect.js';
import { resolveApiVersions } from './discovery.js';
import { FirehoseError } from '../errors.js';
import { kindNotInstalled } from './errors.js';
import { waitForReady, type Condition } from './wait.js';

export interface DeployOptions {
  template: string;
  user: number;
  /** --set k=v for the template. */
  values: Record<string, string>;
  /** --api-version Kind=group/version: wins over discovery. */
  apiVersions: Record<string, string>;
  dryRun: boolean;
  /** Wait for the Ready condition where the kind reports one. */
  wait: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export type DeployEvent =
  | { kind: 'applied'; object: string; action: ApplyAction | 'dry-run' }
  | { kind: 'waiting'; object: string; ready?: Condition };

export interface DeployedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction | 'dry-run';
  /** true once Ready, null when not waited for (or the kind has no Ready condition). */
  ready: boolean | null;
  object: KubeObject;
}

/** Kinds without a Ready condition (nothing to wait for). */
const NO_READY_CONDITION = new Set(['ConfigMap']);

/** The apiVersion the cluster serves for every kind any template uses (references follow them too). */
export async function servedTemplateVersions(client: ClusterClient): Promise<Record<string, string>> {
  const kinds = listTemplates().filter((t) => t.group !== '').map((t) => ({ group: t.group, kind: t.kind }));
  return resolveApiVersions(client, [...new Map(kinds.map((k) => [k.kind, k])).values()]);
}

/**
 * Renders a template for the user at the versions this cluster serves, applies it with
 * server-side apply (field manager firehose), and waits for Ready where asked.
 */
export async function deployTemplate(client: ClusterClient, options: DeployOptions, onEvent: (event: DeployEvent) => void = () => {}): Promise<DeployedObject[]> {
  const info = getTemplate(options.template);
  const served = await servedTemplateVersions(client);
  if (info.group !== '' && !served[info.kind] && !options.apiVersions[info.kind]) throw kindNotInstalled(info.kind, info.group);
  const objects: RenderedObject[] = await renderTemplate(options.template, {
    user: options.user,
    namespace: client.namespace,
    values: options.values,
    apiVersions: { ...served, ...options.apiVersions },
  });
  // A Secret the objects name must be there (with its key) before they are applied: the
  // operator would otherwise take the object and fail later, far from this command.
  if (!options.dryRun) for (const object of objects) await requireReferencedSecrets(client, object as KubeObject);
  const results: DeployedObject[] = [];
  for (const object of objects) {
    const applied = await applyObject(client, object as KubeObject, { dryRun: options.dryRun, signal: options.signal });
    const action = options.dryRun ? 'dry-run' : applied.action;
    const label = describeObject(object);
    onEvent({ kind: 'applied', object: label, action });
    let ready: boolean | null = null;
    let final = applied.object;
    if (options.wait && !options.dryRun && !NO_READY_CONDITION.has(object.kind)) {
      final = await waitForReady(client, applied.object, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onProgress: (state) => onEvent({ kind: 'waiting', object: label, ready: state.ready }),
      });
      ready = true;
    }
    results.push({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: final.metadata.namespace, action, ready, object: final });
  }
  return results;
}

/** The Secrets (and keys) an object reads: Strimzi's tls.trustedCertificates, wherever they sit in its spec. */
export function referencedSecrets(object: KubeObject): Array<{ name: string; key: string; field: string }> {
  const found: Array<{ name: string; key: string; field: string }> = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}[${i}]`));
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'trustedCertificates' && Array.isArray(child)) {
        child.forEach((c: { secretName?: unknown; certificate?: unknown }, i) => {
          if (typeof c?.secretName === 'string') found.push({ name: c.secretName, key: typeof c.certificate === 'string' ? c.certificate : 'ca.crt', field: `${path}.${key}[${i}]` });
        });
      } else visit(child, path ? `${path}.${key}` : key);
    }
  };
  visit((object as { spec?: unknown }).spec, 'spec');
  return found;
}

async function requireReferencedSecrets(client: ClusterClient, object: KubeObject): Promise<void> {
  const namespace = object.metadata.namespace ?? client.namespace;
  for (const secret of referencedSecrets(object)) {
    const what = `read Secret ${secret.name}`;
    const response = await client.request('GET', `/api/v1/namespaces/${namespace}/secrets/${secret.name}`, { what });
    const create = `oc create secret generic ${secret.name} --from-file=${secret.key}=ca.crt -n ${namespace}`;
    if (response.status === 404) {
      throw new FirehoseError('NOT_FOUND', `${object.kind} ${object.metadata.name} names Secret ${secret.name} (${secret.field}), which does not exist in namespace ${namespace}.`, {
        hint: `Create it with the other cluster's CA: ${create}`,
      });
    }
    if (response.status < 200 || response.status >= 300) throw client.fail(response, { what });
    const data = (response.json<{ data?: Record<string, string> }>().data) ?? {};
    if (!(secret.key in data)) {
      throw new FirehoseError('NOT_FOUND', `Secret ${secret.name} has no key ${secret.key} (${object.kind} ${object.metadata.name} reads it from ${secret.field}); it has ${Object.keys(data).join(', ') || 'none'}.`, {
        hint: `Name the key it has with --set trustedCertificate=KEY, or recreate the Secret: ${create}`,
      });
    }
  }
}
