import { Command } from '@commander-js/extra-typings';
import { FirehoseError } from '../../errors.js';
import { runtimeOf, withExamples } from '../action.js';

export function cleanupCommand(): Command<any, any, any> {
  const command = new Command('cleanup')
    .description('Delete everything firehose created for your user (by label), and nothing else')
    .option('--dry-run', 'list what would be deleted')
    .option('-A, --all-namespaces', 'look in every namespace, not just the current one (kubectl -A)')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const user = (await rt.user()).number;
      const cluster = await rt.cluster();
      const { cleanup } = await import('../../cluster/apply.js');
      const { removed, skipped } = await cleanup(cluster, { user, namespace: options.allNamespaces ? undefined : cluster.namespace, dryRun: Boolean(options.dryRun) });
      const where = options.allNamespaces ? 'any namespace' : cluster.namespace;
      if (rt.out.structured) {
        // Names and kinds, not whole objects (their managedFields are noise here).
        const names = removed.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) }));
        rt.out.data({ removed: names, dryRun: Boolean(options.dryRun), skipped }, names);
      } else {
        for (const kind of skipped) rt.out.warn(`skipped ${kind.kind}: ${kind.reason}`);
        if (removed.length === 0) rt.out.info(`Nothing of user ${user}'s to delete in ${where}${skipped.length ? ' among the kinds it could list' : ''}.`);
        for (const o of removed) rt.out.line(`${options.dryRun ? 'would delete' : `${rt.out.paint('green', '✓')} deleted`} ${o.kind} ${o.name}${o.namespace ? ` (namespace ${o.namespace})` : ''}`);
      }
      if (skipped.length > 0) {
        throw new FirehoseError('CLUSTER_FORBIDDEN', `Cleanup is incomplete: ${skipped.length} kind${skipped.length === 1 ? '' : 's'} could not be listed (${skipped.map((k) => k.kind).join(', ')}); any of user ${user}'s objects of ${skipped.length === 1 ? 'that kind are' : 'those kinds are'} still there.`, {
          hint: 'Ask your cluster admin for list and delete rights on them, or delete them with an account that has them.',
        });
      }
    });
  return withExamples(command, ['firehose cleanup --dry-run', 'firehose cleanup', 'firehose cleanup --output json']);
}
