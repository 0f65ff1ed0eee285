/**
 * `firehose func deploy PATH`: a function folder onto the cluster with no image build. The
 * folder's files and the function runtime (runtime/function-runtime.mjs) go into one
 * ConfigMap; a stock Node image runs the runtime on them, mounted as a volume: a Deployment
 * and a core Service (seed 003's js-deployment and js-service), or one Knative Service
 * (--knative). The folder's trigger.yaml subscribes it to the broker.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { FirehoseError, UsageError } from '../errors.js';
import { managedLabels } from '../labels.js';
import { applyObject, deleteObject, getObject, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type KubeObject } from '../cluster/apply.js';
import type { ClusterClient } from '../cluster/connect.js';
import type { DeployedObject } from '../cluster/deploy.js';
import { servedResources } from '../cluster/discovery.js';
import { kindNotInstalled } from '../cluster/errors.js';
import { defaultApiVersion, kindName, kindRef, KINDS, type KnownKind } from '../cluster/kinds.js';
import { checkFunctionName } from './scaffold.js';
import { readRuntimeFile } from './runtime-process.js';

/** The ConfigMap key of the runtime file (mounted as runtime/function-runtime.mjs). */
export const RUNTIME_KEY = 'function-runtime.mjs';
/** The pod template annotation that changes with the ConfigMap, so a changed function rolls the pods. */
export const FUNCTION_HASH_ANNOTATION = 'firehose.dev/function-sha256';
/** What the API server accepts in one ConfigMap (data and binaryData together). */
export const CONFIGMAP_LIMIT = 1024 * 1024;
const PORT = 8080;
const MOUNT = '/function';

export interface FunctionDeployOptions {
  /** The function's folder (what `func create` writes). */
  path: string;
  /** Name of its Service, Deployment and Trigger; default the folder's name. */
  name?: string;
  /** The lab user number (firehose's labels, so `cleanup` finds the objects). */
  user: number;
  /** The container image that has node. */
  image: string;
  /** The runtime file to ship; default firehose's own. */
  runtime?: string;
  /** A Knative Service instead of a Deployment and a core Service. */
  knative: boolean;
  /** Apply the folder's trigger.yaml (when it has one). */
  trigger: boolean;
  /** Server dry run: validated, nothing stored. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface FunctionObjects {
  name: string;
  objects: KubeObject[];
  /** Folder entries not shipped, and why. */
  skipped: SkippedFile[];
}

export interface DeployedFunction extends FunctionObjects {
  results: DeployedObject[];
  /** The other mode's objects of this function, removed (a --knative deploy after a plain one, or back). */
  removed: Array<{ apiVersion: string; kind: string; name: string }>;
}

interface FunctionFile {
  name: string;
  bytes: Buffer;
}

// ignoreBOM keeps a byte-order mark in the text, so the file comes back byte for byte.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function asText(file: FunctionFile): string | undefined {
  if (extname(file.name) === '.wasm') return undefined;
  try {
    return utf8.decode(file.bytes);
  } catch {
    return undefined;
  }
}

/** The top-level regular files of the folder; dot-files and folders (node_modules) are skipped. */
async function readFolder(path: string): Promise<{ files: FunctionFile[]; skipped: SkippedFile[] }> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : `cannot read it (${code ?? (error as Error).message})`;
    throw new UsageError(`${path}: ${why}.`, 'Name the function\'s folder (firehose func create js NAME writes one).');
  }
  const files: FunctionFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    if (entry.name.startsWith('.')) {
      skipped.push({ file: entry.name, reason: 'dot-file' });
      continue;
    }
    const info = await stat(full).catch(() => undefined);
    if (info?.isDirectory()) {
      skipped.push({ file: `${entry.name}/`, reason: entry.name === 'node_modules' ? 'dependencies are not shipped' : 'only top-level files are shipped' });
      continue;
    }
    if (!info?.isFile()) {
      skipped.push({ file: entry.name, reason: 'not a regular file' });
      continue;
    }
    if (!/^[-._a-zA-Z0-9]+$/.test(entry.name)) {
      skipped.push({ file: entry.name, reason: 'not a valid ConfigMap key (letters, digits, -, _ and . only)' });
      continue;
    }
    files.push({ name: entry.name, bytes: await readFile(full) });
  }
  return { files, skipped };
}

interface TriggerContext {
  /** The folder's own name: a Trigger or ref naming it means this function. */
  folderName: string;
  name: string;
  labels: Record<string, string>;
  /** What the cluster serves; the file's v1alpha1/v1beta1 (the seed's) have the same shape, so only the string changes. */
  apiVersion: string;
  subscriber: { apiVersion: string; kind: string };
}

/** The Triggers of trigger.yaml, at the served version, subscribing the function where it runs. */
async function triggerObjects(text: string, file: string, ctx: TriggerContext): Promise<KubeObject[]> {
  const { parseAllDocuments } = await import('yaml');
  const parsed = parseAllDocuments(text);
  const objects: KubeObject[] = [];
  for (const doc of Array.isArray(parsed) ? parsed : [parsed]) {
    const error = doc.errors[0];
    if (error) throw new UsageError(`${file}: not valid YAML: ${error.message.split('\n')[0]}`, 'Fix the file, or deploy without it: --no-trigger.', { code: 'BAD_TRIGGER_YAML' });
    const value = doc.toJS() as KubeObject | null | undefined;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || value.kind !== 'Trigger' || typeof value.apiVersion !== 'string' || !value.apiVersion.startsWith(`${KINDS.Trigger.group}/`) || typeof value.metadata?.name !== 'string') {
      throw new UsageError(`${file}: every document must be a Knative Trigger (${KINDS.Trigger.group}) with metadata.name.`, 'Fix the file, or deploy without it: --no-trigger.', { code: 'BAD_TRIGGER_YAML' });
    }
    const spec = structuredClone((value.spec ?? {}) as { subscriber?: { ref?: { kind?: string; name?: string; apiVersion?: string; namespace?: string } } });
    const ref = spec.subscriber?.ref;
    // The folder's Trigger subscribes this function: its ref follows where it runs now.
    const ours = (n: unknown) => n === ctx.folderName || n === ctx.name;
    if (ref && ref.kind === 'Service' && ours(ref.name)) spec.subscriber!.ref = { apiVersion: ctx.subscriber.apiVersion, kind: ctx.subscriber.kind, name: ctx.name };
    const metadata = value.metadata;
    objects.push({
      apiVersion: ctx.apiVersion,
      kind: 'Trigger',
      metadata: {
        name: ours(metadata.name) ? ctx.name : metadata.name,
        labels: { ...(metadata.labels ?? {}), ...ctx.labels },
        ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
      },
      spec,
    });
  }
  return objects;
}

/** Served or default apiVersions for the kinds a function deploy writes. */
type Versions = Partial<Record<KnownKind, string>>;

function versionOf(versions: Versions, kind: KnownKind): string {
  return versions[kind] ?? defaultApiVersion(kind);
}

/** The objects a function deploy applies, in order (no cluster asked: `versions` says what it serves). */
async function buildObjects(options: FunctionDeployOptions, versions: Versions): Promise<FunctionObjects> {
  const folderName = basename(resolve(options.path));
  const name = checkFunctionName(options.name ?? folderName);
  const { files, skipped } = await readFolder(options.path);
  const names = files.map((f) => f.name);
  if (!names.some((n) => n === 'package.json' || n === 'index.js' || n === 'index.mjs' || n.endsWith('.wasm'))) {
    throw new UsageError(`${options.path} holds no function: no package.json, index.js or .wasm module.`, 'Point at a function\'s folder; firehose func create js NAME writes one.', { code: 'FUNCTION_INVALID' });
  }
  if (names.includes(RUNTIME_KEY)) {
    throw new UsageError(`${options.path}/${RUNTIME_KEY}: that name is the runtime's key in the ConfigMap.`, 'Rename the file.');
  }
  let runtime: Buffer;
  try {
    runtime = options.runtime === undefined ? await readRuntimeFile() : await readFile(options.runtime);
  } catch (error) {
    const which = options.runtime ?? 'firehose\'s runtime file';
    throw new UsageError(`Cannot read the function runtime (${which}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Name a readable file with --runtime, or leave it out for firehose\'s own.');
  }

  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  let size = 0;
  const add = (key: string, bytes: Buffer, text: string | undefined) => {
    size += bytes.length;
    if (text === undefined) binaryData[key] = bytes.toString('base64');
    else data[key] = text;
  };
  add(RUNTIME_KEY, runtime, asText({ name: RUNTIME_KEY, bytes: runtime }));
  for (const file of files) add(file.name, file.bytes, asText(file));
  if (size > CONFIGMAP_LIMIT) {
    throw new UsageError(`${options.path}: the function and its runtime come to ${(size / 1024 / 1024).toFixed(2)} MiB; a ConfigMap holds at most 1 MiB.`, 'Leave large files out of the folder (only top-level files are shipped); a bigger function needs an image of its own.', { code: 'FUNCTION_INVALID' });
  }
  const hash = createHash('sha256');
  for (const key of Object.keys({ ...data, ...binaryData }).sort()) hash.update(`${key}\0${data[key] ?? binaryData[key]}\0`);

  const labels = managedLabels(options.user);
  const configMapName = `${name}-function`;
  const configMap: KubeObject = {
    apiVersion: versionOf(versions, 'ConfigMap'),
    kind: 'ConfigMap',
    metadata: { name: configMapName, labels },
    ...(Object.keys(data).length ? { data } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
  const volume = {
    name: 'function',
    configMap: {
      name: configMapName,
      items: [{ key: RUNTIME_KEY, path: `runtime/${RUNTIME_KEY}` }, ...files.map((f) => ({ key: f.name, path: `code/${f.name}` }))],
    },
  };
  const container = {
    name: 'function',
    image: options.image,
    command: ['node', `${MOUNT}/runtime/${RUNTIME_KEY}`, `${MOUNT}/code`, '--port', String(PORT), '--host', '0.0.0.0'],
    ports: [{ containerPort: PORT }],
    // Knative probes the container's one port itself (and refuses another one).
    readinessProbe: { httpGet: options.knative ? { path: '/health' } : { path: '/health', port: PORT } },
    volumeMounts: [{ name: 'function', mountPath: MOUNT, readOnly: true }],
  };
  const template = {
    metadata: { labels: { app: name }, annotations: { [FUNCTION_HASH_ANNOTATION]: hash.digest('hex') } },
    spec: { containers: [container], volumes: [volume] },
  };
  const objects: KubeObject[] = [configMap];
  let subscriber: { apiVersion: string; kind: string };
  if (options.knative) {
    subscriber = { apiVersion: versionOf(versions, 'Service'), kind: 'Service' };
    objects.push({ apiVersion: subscriber.apiVersion, kind: 'Service', metadata: { name, labels: { ...labels, app: name } }, spec: { template } });
  } else {
    subscriber = { apiVersion: versionOf(versions, 'CoreService'), kind: kindName('CoreService') };
    objects.push(
      {
        apiVersion: versionOf(versions, 'Deployment'),
        kind: 'Deployment',
        metadata: { name, labels: { ...labels, app: name } },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template },
      },
      {
        apiVersion: subscriber.apiVersion,
        kind: subscriber.kind,
        metadata: { name, labels: { ...labels, app: name } },
        spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: PORT, protocol: 'TCP' }] },
      },
    );
  }
  if (options.trigger) {
    const file = join(options.path, 'trigger.yaml');
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}`, 'Make it readable, or deploy without it: --no-trigger.');
    });
    if (text !== undefined) objects.push(...(await triggerObjects(text, file, { folderName, name, labels, apiVersion: versionOf(versions, 'Trigger'), subscriber })));
  }
  return { name, objects, skipped };
}

/** The served apiVersion of each kind (by catalogue key: core and Knative Service are both "Service"). */
async function servedVersionsOf(client: ClusterClient, kinds: KnownKind[]): Promise<Versions> {
  const resources = await servedResources(client, kinds.map(kindRef));
  const versions: Versions = {};
  for (const kind of kinds) {
    const found = resources.find((r) => r.group === KINDS[kind].group && r.kind === kindName(kind));
    if (found) versions[kind] = found.apiVersion;
  }
  return versions;
}

/** The kinds a deploy with these options writes. */
function kindsFor(options: FunctionDeployOptions): KnownKind[] {
  return ['ConfigMap', ...(options.knative ? (['Service'] as const) : (['Deployment', 'CoreService'] as const)), ...(options.trigger ? (['Trigger'] as const) : [])];
}

/** The objects `deployFunction` would apply, at firehose's default versions, without a cluster (--dry-run=client). */
export function renderFunction(options: FunctionDeployOptions): Promise<FunctionObjects> {
  return buildObjects(options, {});
}

/**
 * Applies the function's ConfigMap, its Deployment and Service (or Knative Service) and its
 * Trigger, server-side (field manager firehose), at the versions the cluster serves. The
 * same folder deployed twice changes nothing; a changed file rolls the pods.
 */
export async function deployFunction(client: ClusterClient, options: FunctionDeployOptions): Promise<DeployedFunction> {
  const kinds = kindsFor(options);
  const versions = await servedVersionsOf(client, kinds);
  const built = await buildObjects(options, versions);
  const hasTrigger = built.objects.some((o) => o.kind === 'Trigger');
  for (const kind of kinds) {
    if (versions[kind] || (kind === 'Trigger' && !hasTrigger)) continue;
    const error = kindNotInstalled(kindName(kind), KINDS[kind].group);
    if (kind === 'Trigger') throw new FirehoseError(error.code, error.message, { hint: `${error.hint ?? ''} Or deploy without the Trigger: --no-trigger.`.trim() });
    throw error;
  }

  const removed = options.dryRun ? [] : await removeOtherMode(client, built.name, options);
  const results: DeployedObject[] = [];
  for (const object of built.objects) {
    const applied = await applyObject(client, object, { dryRun: options.dryRun, signal: options.signal });
    results.push({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      namespace: applied.object.metadata.namespace,
      action: options.dryRun ? 'dry-run' : applied.action,
      ready: null,
      object: applied.object,
    });
  }
  return { ...built, results, removed };
}

/** Deletes this function's objects of the other mode that firehose made (both would claim the Service name). */
async function removeOtherMode(client: ClusterClient, name: string, options: FunctionDeployOptions): Promise<DeployedFunction['removed']> {
  const other: KnownKind[] = options.knative ? ['Deployment', 'CoreService'] : ['Service'];
  const served = await servedVersionsOf(client, other);
  const removed: DeployedFunction['removed'] = [];
  for (const kind of other) {
    const apiVersion = served[kind];
    if (!apiVersion) continue;
    const ref = { apiVersion, kind: kindName(kind), metadata: { name } };
    const found = await getObject(client, ref, options.signal);
    if (found?.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) continue;
    if (await deleteObject(client, ref, { signal: options.signal })) removed.push({ apiVersion, kind: ref.kind, name });
  }
  return removed;
}
