// Renders the workshop's Kubernetes manifests from templates/<name>.yaml: the file is parsed
// with `yaml`, and this module edits the parsed object (user number in names, namespace,
// labels, --set keys, apiVersion). There are no text placeholders to substitute.
// The templates and their keys are in catalogue.ts, the --set value parsers in values.ts.
import { managedLabels } from '../labels.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultApiVersion, KINDS } from '../cluster/kinds.js';
import { FirehoseError, UsageError } from '../errors.js';
import { findSet, findTemplate, keysOf, type TemplateDef } from './catalogue.js';
import { objectName, type Ctx, type Obj } from './values.js';

export interface RenderOptions {
  user: number;
  namespace?: string;
  /** --set k=v, applied in insertion order. */
  values: Record<string, string>;
  /** Kind -> 'group/version' (from discovery or --api-version); kinds no template uses are ignored. */
  apiVersions: Record<string, string>;
  /** Where the template files are (default: the package's templates/). For tests. */
  templatesDir?: string;
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export { MANAGED_BY_LABEL, USER_LABEL } from '../labels.js';

// ---------------------------------------------------------------------------------------
// apiVersion

const VERSION = /^v\d+((alpha|beta)\d+)?$/;

/** Parses --api-version `Kind=group/version` (or `Kind=v1` for the core group). */
export function parseApiVersionFlag(textValue: string): [kind: string, apiVersion: string] {
  const at = textValue.indexOf('=');
  const kind = at > 0 ? textValue.slice(0, at).trim() : '';
  const apiVersion = at > 0 ? textValue.slice(at + 1).trim() : '';
  const parts = apiVersion.split('/');
  const ok =
    /^[A-Z][A-Za-z0-9]*$/.test(kind) &&
    ((parts.length === 1 && VERSION.test(parts[0]!)) || (parts.length === 2 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(parts[0]!) && VERSION.test(parts[1]!)));
  if (!ok) {
    throw new UsageError(`--api-version takes Kind=group/version, not "${textValue}".`, 'Example: --api-version KafkaTopic=kafka.strimzi.io/v1');
  }
  return [kind, apiVersion];
}

function resolveApiVersion(def: TemplateDef, apiVersions: Record<string, string>): { apiVersion: string; version: string } {
  const { group: defGroup, defaultVersion } = KINDS[def.kind];
  const fallback = defaultApiVersion(def.kind);
  const given = apiVersions[def.kind];
  if (given === undefined) return { apiVersion: fallback, version: defaultVersion };
  const [, apiVersion] = parseApiVersionFlag(`${def.kind}=${given}`);
  const slash = apiVersion.lastIndexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = apiVersion.slice(slash + 1);
  if (group !== defGroup) {
    throw new UsageError(
      `--api-version ${def.kind}=${given}: template ${def.name} renders a ${def.kind} of API group ${defGroup || '(core)'}, not ${group || '(core)'}.`,
      `Example: --api-version ${def.kind}=${fallback}`,
    );
  }
  return { apiVersion, version };
}

// ---------------------------------------------------------------------------------------
// Loading and rendering

const PACKAGE_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

async function loadTemplate(def: TemplateDef, dir: string): Promise<Obj[]> {
  const file = join(dir, `${def.name}.yaml`);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new FirehoseError('TEMPLATE_MISSING', `Template file ${file} cannot be read: ${(error as Error).message}`, {
      cause: error,
      hint: 'The firehose installation is incomplete; reinstall it.',
    });
  }
  const { parseAllDocuments } = await import('yaml');
  const invalid = (why: string, cause?: unknown) =>
    new FirehoseError('TEMPLATE_INVALID', `Template file ${file} is malformed: ${why}`, { cause, hint: 'Fix or restore the file (it ships with firehose).' });
  const docs = parseAllDocuments(source);
  if (!Array.isArray(docs)) throw invalid('it is not a YAML stream');
  const objects: Obj[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw invalid(error.message.split('\n')[0]!, error);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const obj = value as Obj;
    if (typeof obj !== 'object' || Array.isArray(obj) || typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') {
      throw invalid('each document must be a Kubernetes object with kind and metadata.name');
    }
    if (obj.kind !== def.kind) throw invalid(`it holds a ${obj.kind}, not a ${def.kind}`);
    objects.push(obj);
  }
  if (objects.length === 0) throw invalid('it holds no object');
  return objects;
}

function applyValue(def: TemplateDef, obj: Obj, key: string, value: string, ctx: Ctx): void {
  const exact = def.keys.find((k) => k.key === key);
  if (exact) return exact.apply(obj, value, ctx);
  const family = (def.families ?? []).find((f) => key.startsWith(f.prefix) && key.length > f.prefix.length);
  if (family) return family.apply(obj, key.slice(family.prefix.length), value, ctx);
  throw new UsageError(`Template ${def.name} has no key "${key}"; keys: ${keysOf(def).join(', ')}.`);
}

/**
 * Renders a template, or every member of a template set with the member's values (a set
 * takes no --set: render its templates one by one to change them). Each object with the
 * template it came from (for --out's file names).
 */
export async function renderWithTemplates(name: string, options: RenderOptions): Promise<Array<{ template: string; object: RenderedObject }>> {
  const set = findSet(name);
  if (!set) return (await renderTemplate(name, options)).map((object) => ({ template: name, object }));
  if (Object.keys(options.values).length > 0) {
    throw new UsageError(`The set ${name} takes no --set (it renders ${set.members.map((m) => m.template).join(', ')} with their seed's values).`, `Render one of its templates with --set instead, e.g. \`firehose render ${set.members[0]!.template} --set ...\`.`);
  }
  const out: Array<{ template: string; object: RenderedObject }> = [];
  for (const member of set.members) {
    for (const object of await renderTemplate(member.template, { ...options, values: member.values })) out.push({ template: member.template, object });
  }
  return out;
}

export async function renderTemplate(name: string, options: RenderOptions): Promise<RenderedObject[]> {
  if (findSet(name)) return (await renderWithTemplates(name, options)).map((r) => r.object);
  const def = findTemplate(name);
  if (!Number.isSafeInteger(options.user) || options.user < 0) throw new UsageError(`The user number must be a whole number, not ${options.user}.`);
  if (options.namespace !== undefined) objectName('namespace', options.namespace);
  const ctx: Ctx = { apiVersions: options.apiVersions };
  const { apiVersion, version } = resolveApiVersion(def, options.apiVersions);
  const objects = await loadTemplate(def, options.templatesDir ?? PACKAGE_TEMPLATES);
  for (const obj of objects) {
    def.user?.(obj, options.user);
    for (const [key, value] of Object.entries(options.values)) applyValue(def, obj, key, value, ctx);
    obj.apiVersion = apiVersion;
    def.adapt?.(obj, version);
    const metadata = obj.metadata as Obj;
    if (options.namespace) metadata.namespace = options.namespace;
    else delete metadata.namespace;
    metadata.labels = { ...(metadata.labels ?? {}), ...managedLabels(options.user) };
  }
  // apiVersion, kind, metadata first, as kubectl prints them.
  return objects.map(({ apiVersion: a, kind, metadata, ...rest }) => ({ apiVersion: a, kind, metadata, ...rest }) as RenderedObject);
}

/** Multi-document YAML, `---` between objects. */
export async function toYaml(objects: RenderedObject[]): Promise<string> {
  const { stringify } = await import('yaml');
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** The file --out writes an object to: `<template>-<name>.yaml`. */
export function renderedFileName(template: string, object: RenderedObject): string {
  return `${template}-${object.metadata.name}.yaml`;
}

/** Writes one file per object into dir (created if missing), named for its template; returns the paths written. */
export async function writeRendered(dir: string, rendered: Array<{ template: string; object: RenderedObject }>): Promise<string[]> {
  const cannot = (path: string, error: unknown) =>
    new FirehoseError('OUT_UNWRITABLE', `Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
      hint: '--out takes a directory (created if missing) that you can write to.',
    });
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw cannot(dir, error);
  });
  const written: string[] = [];
  for (const { template, object } of rendered) {
    const path = join(dir, renderedFileName(template, object));
    await writeFile(path, await toYaml([object])).catch((error: unknown) => {
      throw cannot(path, error);
    });
    written.push(path);
  }
  return written;
}
