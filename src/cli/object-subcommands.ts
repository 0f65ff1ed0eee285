import { Command } from '@commander-js/extra-typings';
import { parseDuration } from '../config/duration.js';
import type { KubeObject } from '../cluster/apply.js';
import { objectType, type ObjectSummary, type ObjectType } from '../cluster/objects.js';
import { formatTable } from '../ui/table.js';
import { runtimeOf, withExamples } from './action.js';
import type { Runtime } from './runtime.js';

// `list`, `describe NAME` and `delete NAME...` for one noun of the cluster (broker, trigger,
// channel, subscription, source, service, mirror), as kn has them for each: one builder,
// one table, one describe layout.

/** kn's condition marks: ++ True, !! False, ?? Unknown. */
function mark(status: string): string {
  return status === 'True' ? '++' : status === 'False' ? '!!' : '??';
}

function readyText(rt: Runtime, summary: ObjectSummary): string {
  if (summary.ready === 'True') return rt.out.paint('green', 'True');
  if (summary.ready === 'False') return rt.out.paint('red', 'False');
  return summary.ready || 'Unknown';
}

/** What json/yaml show of an object: all of it but managedFields. */
function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _mf, ...metadata } = object.metadata;
  return { ...object, metadata };
}

async function renderDescribe(rt: Runtime, type: ObjectType, object: KubeObject): Promise<void> {
  const { age, conditionsOf, summarize } = await import('../cluster/objects.js');
  const summary = summarize(type, object);
  const pairs = (record: Record<string, string> | undefined) => Object.entries(record ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  const rows: Array<[string, string]> = [
    ['Name', summary.name],
    ['Namespace', summary.namespace ?? ''],
    ['Kind', `${summary.kind} (${summary.apiVersion})`],
    ['Labels', pairs(object.metadata.labels)],
    ['Annotations', pairs(Object.fromEntries(Object.entries(object.metadata.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration')))],
    ['Age', age(summary.created)],
    ...Object.entries(summary.fields).map(([header, value]): [string, string] => [header[0] + header.slice(1).toLowerCase(), value]),
  ];
  const delivery = (object.spec as { delivery?: Record<string, unknown> } | undefined)?.delivery;
  if (delivery) rows.push(['Delivery', Object.entries(delivery).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  for (const [label, value] of rows) if (value !== '') rt.out.line(`${`${label}:`.padEnd(width)}${value}`);
  const conditions = conditionsOf(object);
  rt.out.line('');
  if (conditions.length === 0) {
    rt.out.line('Conditions:  none yet (no controller has reconciled it)');
    return;
  }
  rt.out.line('Conditions:');
  rt.out.line(formatTable(['  OK TYPE', 'AGE', 'REASON'], conditions.map((c) => [
    `  ${mark(c.status)} ${c.type}`,
    age((c as { lastTransitionTime?: string }).lastTransitionTime),
    [c.reason, c.message].filter(Boolean).join(': '),
  ])));
}

/** The list, describe and delete subcommands of a noun, with their examples. */
export function objectSubcommands(noun: string): Command<any, any, any>[] {
  const type = objectType(noun);
  const plural = type.plural;
  const list = new Command('list')
    .description(`List the ${plural} in the namespace: ready, reason, age and what each points at`)
    .option('-A, --all-namespaces', 'every namespace (kubectl -A)')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const cluster = await rt.cluster();
      const { age, listObjects } = await import('../cluster/objects.js');
      const namespace = options.allNamespaces ? undefined : cluster.namespace;
      const found = await listObjects(cluster, type, { namespace, signal: rt.signal });
      if (rt.out.structured) {
        const summaries = found.map(({ object: _o, ...summary }) => summary);
        return rt.out.data(summaries);
      }
      if (found.length === 0) return rt.out.info(`No ${type.plural} in ${namespace === undefined ? 'any namespace' : `namespace ${namespace}`}.`);
      const headers = [...(namespace === undefined ? ['NAMESPACE'] : []), 'NAME', ...type.columns.map((c) => c.header), 'AGE', 'READY', 'REASON'];
      rt.out.line(formatTable(headers, found.map((s) => [
        ...(namespace === undefined ? [s.namespace ?? ''] : []), s.name, ...type.columns.map((c) => s.fields[c.header] ?? ''), age(s.created), readyText(rt, s), s.reason,
      ])));
    });
  const describe = new Command('describe')
    .description(`Details of one ${noun}: what it points at, labels, annotations and every status condition`)
    .argument('<name>', `${noun} name`)
    .action(async (name, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const cluster = await rt.cluster();
      const { getObjectOf } = await import('../cluster/objects.js');
      const object = await getObjectOf(cluster, type, name, cluster.namespace, rt.signal);
      if (rt.out.structured) return rt.out.data(withoutManagedFields(object));
      await renderDescribe(rt, type, object);
    });
  const del = new Command('delete')
    .description(`Delete ${plural} by name and wait until they are gone (kubectl delete)`)
    .argument('<names...>', `${noun} names`)
    .option('--dry-run', 'the server checks the delete and changes nothing')
    .option('--no-wait', 'do not wait until each is gone (finalizers run)')
    .option('--timeout <duration>', 'how long to wait for each to be gone', '60s')
    .action(async (names, options, cmd) => {
      const rt = runtimeOf(cmd);
      const timeoutMs = options.wait ? parseDuration(options.timeout, '--timeout') : 0;
      const cluster = await rt.cluster();
      const { deleteObjects } = await import('../cluster/objects.js');
      const deleted = await deleteObjects(cluster, type, names, { namespace: cluster.namespace, dryRun: Boolean(options.dryRun), timeoutMs, signal: rt.signal });
      if (rt.out.structured) return rt.out.data(deleted);
      for (const d of deleted) {
        const what = `${d.kind} ${d.name} in ${d.namespace}`;
        if (options.dryRun) rt.out.line(`would delete ${what} (dry run, nothing changed)`);
        else if (d.result === 'deleting') rt.out.line(`${what} is being deleted (not waiting for it to be gone)`);
        else rt.out.line(`${rt.out.paint('green', '✓')} deleted ${what}`);
      }
    });
  withExamples(list, [`firehose ${noun} list`, `firehose ${noun} list -A`, `firehose ${noun} list -o name`]);
  withExamples(describe, [`firehose ${noun} describe NAME`, `firehose ${noun} describe NAME -o yaml`]);
  withExamples(del, [`firehose ${noun} delete NAME`, `firehose ${noun} delete NAME --no-wait`]);
  return [list, describe, del];
}
