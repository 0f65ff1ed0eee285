import { getTemplate, listTemplates } from '../templates/catalogue.js';
import { renderTemplate, type RenderedObject } from '../templates/render.js';
import { applyObject, describeObject, type ApplyAction, type KubeObject } from './apply.js';
import type { ClusterClient } from './connect.js';
import { resolveApiVersions } from './discovery.js';
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
