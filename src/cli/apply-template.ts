import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';
import type { DeployedObject } from '../cluster/deploy.js';
import { parseApiVersionFlag } from '../templates/render.js';
import { withSpinner } from '../ui/spinner.js';
import { collect, runtimeOf, withExamples } from './action.js';
import { parseKeyValue } from './flags.js';
import type { Runtime } from './runtime.js';

// Applying a template from the command line: the flags every such command shares, the
// render-apply-report step, and the `<group> create [name]` subcommand built on it.

/** Options every command that applies a template shares. */
interface ApplyFlags {
  set: string[];
  apiVersion: string[];
  /** --dry-run alone is server (true); --dry-run=client renders here without asking the cluster. */
  dryRun?: boolean | string;
  wait: boolean;
  timeout: string;
}

export function withApplyOptions<C extends Command<any, any, any>>(command: C): C {
  return withDryRunOption(command
    .option('--set <key=value>', 'template value, repeatable (see `firehose render`)', collect, [])
    .option('--api-version <Kind=group/version>', 'use this version instead of what the cluster serves, repeatable', collect, []))
    .option('--no-wait', 'do not wait for the Ready condition')
    .option('--timeout <duration>', 'how long to wait for Ready', '120s') as C;
}

/** kubectl's --dry-run [server|client] (parseDryRun reads it). */
export function withDryRunOption<C extends Command<any, any, any>>(command: C): C {
  return command.option('--dry-run [mode]', 'server (the default): the server validates, nothing changes; client: print the YAML without asking the cluster (as kubectl)') as C;
}

/** Renders `template` with `values` (flags first, then --set), applies it, reports each object. */
export async function applyTemplate(rt: Runtime, template: string, values: Record<string, string | undefined>, commandOptions: object): Promise<DeployedObject[]> {
  // withApplyOptions() declared these on the command; commander's typing cannot see them.
  const flags = commandOptions as ApplyFlags;
  const dryRun = parseDryRun(flags.dryRun);
  const user = (await rt.user()).number;
  if (dryRun === 'client') return renderOnly(rt, template, user, values, flags);
  const cluster = await rt.cluster();
  const { deployTemplate } = await import('../cluster/deploy.js');
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) merged[key] = value;
  for (const entry of flags.set) {
    const [key, value] = parseKeyValue(entry, '--set');
    merged[key] = value;
  }
  const options = {
    template,
    user,
    values: merged,
    apiVersions: Object.fromEntries(flags.apiVersion.map(parseApiVersionFlag)),
    dryRun: dryRun === 'server',
    wait: flags.wait,
    timeoutMs: parseDuration(flags.timeout, '--timeout'),
    signal: rt.signal,
  };
  const results = await withSpinner(rt.out, `Applying ${template} for user ${user} in ${cluster.namespace}`, () => deployTemplate(cluster, options));
  await reportApplied(rt, results, cluster.namespace, dryRun === 'server');
  return results;
}

/** One line per object applied (its whole object too in a dry run); --output json: the list. */
export async function reportApplied(rt: Runtime, results: DeployedObject[], namespace: string, dryRun: boolean): Promise<void> {
  if (rt.out.structured) {
    rt.out.data(results.map(({ object, ...rest }) => (dryRun ? { ...rest, object } : rest)));
    return;
  }
  for (const r of results) {
    const ready = r.ready ? ', Ready' : '';
    rt.out.line(`${rt.out.paint('green', '✓')} ${r.kind} ${r.name} ${r.action === 'dry-run' ? 'validated by the server (dry run, nothing changed)' : r.action}${ready} (${r.apiVersion}, namespace ${r.namespace ?? namespace})`);
  }
  if (dryRun) {
    const { toYaml } = await import('../templates/render.js');
    rt.out.line(await toYaml(results.map((r) => r.object as never)));
  }
}

/** kubectl's --dry-run values: none, server (also the bare flag) or client. */
export function parseDryRun(value: boolean | string | undefined): 'none' | 'server' | 'client' {
  if (value === undefined || value === false) return 'none';
  if (value === true || value === 'server') return 'server';
  if (value === 'client') return 'client';
  throw new UsageError(`--dry-run must be server or client, not "${value}".`, 'server: the cluster validates without storing; client: print the YAML without asking the cluster. A name right after a bare --dry-run is taken as its mode: write --dry-run=server, or the name first.');
}

/** --dry-run=client: the objects as they would be applied, rendered here (default versions, no cluster). */
async function renderOnly(rt: Runtime, template: string, user: number, values: Record<string, string | undefined>, flags: ApplyFlags): Promise<DeployedObject[]> {
  const { renderTemplate, toYaml } = await import('../templates/render.js');
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) merged[key] = value;
  for (const entry of flags.set) {
    const [key, value] = parseKeyValue(entry, '--set');
    merged[key] = value;
  }
  const objects = await renderTemplate(template, { user, namespace: rt.flags.namespace, values: merged, apiVersions: Object.fromEntries(flags.apiVersion.map(parseApiVersionFlag)) });
  if (rt.out.structured) rt.out.data(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, objects);
  else await rt.out.write(await toYaml(objects));
  return [];
}

/** Knative delivery flags for triggers and subscriptions (spec.delivery). */
export function withDeliveryOptions<C extends Command<any, any, any>>(command: C): C {
  return command
    .option('--dead-letter <ref>', 'where events go after the last retry (a Service name, kn\'s svc:NAME etc., or URL)')
    .option('--retry <n>', 'retries after the first attempt')
    .option('--backoff-delay <duration>', 'first retry delay (200ms, 2s or ISO 8601 PT0.2S)')
    .option('--backoff-policy <policy>', 'exponential or linear') as C;
}

/** The template values the delivery flags give. */
export function deliveryValues(flags: object): Record<string, string | undefined> {
  const options = flags as { deadLetter?: string; retry?: string; backoffDelay?: string; backoffPolicy?: string };
  return { deadLetter: options.deadLetter, retry: options.retry, backoffDelay: options.backoffDelay, backoffPolicy: options.backoffPolicy };
}

/** A `create [name]` subcommand that applies `template` with the values its flags give. */
export function createSub(name: string, template: string, description: string, configure: (c: Command<any, any, any>) => Command<any, any, any>, values: (name: string | undefined, options: any) => Record<string, string | undefined>, examples: string[]) {
  const command = configure(withApplyOptions(new Command(name)).description(description).argument('[name]', 'object name'))
    .action(async (...args: any[]) => {
      const [objectName, options, cmd] = args as [string | undefined, object, Command];
      await applyTemplate(runtimeOf(cmd), template, values(objectName, options), options);
    });
  return withExamples(command, examples);
}
