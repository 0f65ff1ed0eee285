import { UsageError } from '../errors.js';
import type { ClusterClient } from './connect.js';
import { installHint, kindNotInstalled } from './errors.js';

export interface KindRef {
  group: string;
  kind: string;
}

export interface ApiResource {
  /** "" for the core group. */
  group: string;
  version: string;
  /** "group/version", or "v1" for the core group. */
  apiVersion: string;
  kind: string;
  /** The REST name (kafkatopics). */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiGroupDoc {
  name?: string;
  versions?: Array<{ groupVersion: string; version: string }>;
  preferredVersion?: { groupVersion: string; version: string };
}

interface ResourceListDoc {
  resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }>;
}

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The versions a group serves, preferred first (undefined when the group is not served at all). */
async function groupVersions(client: ClusterClient, group: string): Promise<string[] | undefined> {
  if (group === '') return ['v1'];
  const res = await client.request('GET', `/apis/${group}`, { what: `discover API group ${group}` });
  if (res.status === 404) return undefined;
  if (res.status < 200 || res.status > 299) throw client.fail(res, { what: `discover API group ${group}` });
  const doc = res.json<ApiGroupDoc>();
  const versions = (doc.versions ?? []).map((v) => v.version);
  const preferred = doc.preferredVersion?.version;
  return preferred ? [preferred, ...versions.filter((v) => v !== preferred)] : versions;
}

/** The resources of one group/version (empty when not served). */
async function resourcesOf(client: ClusterClient, group: string, version: string): Promise<ApiResource[]> {
  const what = `discover ${apiVersionOf(group, version)}`;
  const res = await client.request('GET', groupVersionPath(group, version), { what });
  if (res.status === 404) return [];
  if (res.status < 200 || res.status > 299) throw client.fail(res, { what });
  return (res.json<ResourceListDoc>().resources ?? [])
    .filter((r) => !r.name.includes('/')) // subresources (kafkatopics/status)
    .map((r) => ({
      group, version, apiVersion: apiVersionOf(group, version), kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [],
    }));
}

/** Every version of `group` that serves `kind`, the group's preferred version first. [] when none. */
export async function servedVersions(client: ClusterClient, group: string, kind: string): Promise<string[]> {
  const versions = await groupVersions(client, group);
  if (!versions) return [];
  const lists = await Promise.all(versions.map((v) => resourcesOf(client, group, v)));
  return versions.filter((_, i) => lists[i]!.some((r) => r.kind === kind));
}

/**
 * For each kind, the preferred served "group/version" (e.g. KafkaTopic →
 * "kafka.strimzi.io/v1beta2" with Strimzi 0.45, "kafka.strimzi.io/v1" with 1.2).
 * Kinds the cluster does not serve are absent. One discovery round per group.
 */
export async function resolveApiVersions(client: ClusterClient, kinds: KindRef[]): Promise<Record<string, string>> {
  const resources = await servedResources(client, kinds);
  const out: Record<string, string> = {};
  for (const r of resources) out[r.kind] = r.apiVersion;
  return out;
}

/** Like resolveApiVersions, with plural and scope: the served resource (preferred version) for each kind served. */
export async function servedResources(client: ClusterClient, kinds: KindRef[]): Promise<ApiResource[]> {
  const groups = [...new Set(kinds.map((k) => k.group))];
  const byGroup = new Map<string, ApiResource[][]>();
  await Promise.all(groups.map(async (group) => {
    const versions = await groupVersions(client, group);
    byGroup.set(group, versions ? await Promise.all(versions.map((v) => resourcesOf(client, group, v))) : []);
  }));
  const out: ApiResource[] = [];
  for (const { group, kind } of kinds) {
    // Lists are in preference order: the first version that has the kind wins.
    for (const list of byGroup.get(group) ?? []) {
      const found = list.find((r) => r.kind === kind);
      if (found) {
        out.push(found);
        break;
      }
    }
  }
  return out;
}

/**
 * The REST resource for an object's apiVersion + kind. Throws KIND_NOT_INSTALLED
 * (with the install hint, and the versions served when only the version is wrong).
 */
export async function resolveResource(client: ClusterClient, apiVersion: string, kind: string): Promise<ApiResource> {
  const { group, version } = splitApiVersion(apiVersion);
  const list = await resourcesOf(client, group, version);
  const found = list.find((r) => r.kind === kind);
  if (found) return found;
  const other = await servedVersions(client, group, kind);
  if (other.length) {
    throw new UsageError(
      `This cluster serves ${kind} as ${other.map((v) => apiVersionOf(group, v)).join(', ')}, not ${apiVersion}.`,
      `Use apiVersion ${apiVersionOf(group, other[0]!)} (the operator installed is another release than the manifest expects).`,
      { code: 'API_VERSION_NOT_SERVED' },
    );
  }
  throw kindNotInstalled(kind, group);
}

export { installHint };
