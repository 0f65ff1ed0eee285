import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../config/duration.js';
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
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
}

export function withApplyOptions<C extends Command<any, any, any>>(command: C): C {
  return command
    .option('--set <key=value>', 'template value, repeatable (see `firehose render`)', collect, [])
    .option('--api-version <Kind=group/version>', 'use this version instead of what the cluster serves, repeatable', collect, [])
    .option('--dry-run', 'let the server validate it, change nothing, print what would be applied')
    .option('--no-wait', 'do not wait for the Ready condition')
    .option('--timeout <duration>', 'how long to wait for Ready', '120s') as C;
}

/** Renders `template` with `values` (flags first, then --set), applies it, reports each object. */
export async function applyTemplate(rt: Runtime, template: string, values: Record<string, string | undefined>, commandOptions: object): Promise<DeployedObject[]> {
  // withApplyOptions() declared these on the command; commander's typing cannot see them.
  const flags = commandOptions as ApplyFlags;
  const user = (await rt.user()).number;
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
    dryRun: Boolean(flags.dryRun),
    wait: flags.wait,
    timeoutMs: parseDuration(flags.timeout, '--timeout'),
    signal: rt.signal,
  };
  const results = await withSpinner(rt.out, `Applying ${template} for user ${user} in ${cluster.namespace}`, () => deployTemplate(cluster, options));
  if (rt.out.structured) {
    rt.out.data(results.map(({ object, ...rest }) => (flags.dryRun ? { ...rest, object } : rest)));
    return results;
  }
  for (const r of results) {
    const ready = r.ready ? ', Ready' : '';
    rt.out.line(`${rt.out.paint('green', '✓')} ${r.kind} ${r.name} ${r.action === 'dry-run' ? 'validated by the server (dry run, nothing changed)' : r.action}${ready} (${r.apiVersion}, namespace ${r.namespace ?? cluster.namespace})`);
  }
  if (flags.dryRun) {
    const { toYaml } = await import('../templates/render.js');
    rt.out.line(await toYaml(results.map((r) => r.object as never)));
  }
  return results;
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
