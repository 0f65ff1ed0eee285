import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';

export function cleanupCommand(): Command<any, any, any> {
  const command = new Command('cleanup')
    .description('Delete everything firehose created for your user (by label), and nothing else')
    .option('--dry-run', 'list what would be deleted')
    .option('--all-namespaces', 'look in every namespace, not just the current one')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const user = (await rt.user()).number;
      const cluster = await rt.cluster();
      const { cleanup } = await import('../../cluster/apply.js');
      const removed = await cleanup(cluster, { user, namespace: options.allNamespaces ? undefined : cluster.namespace, dryRun: Boolean(options.dryRun) });
      if (rt.out.structured) return rt.out.data(removed);
      if (removed.length === 0) return rt.out.info(`Nothing of user ${user}'s to delete in ${options.allNamespaces ? 'any namespace' : cluster.namespace}.`);
      for (const o of removed) rt.out.line(`${options.dryRun ? 'would delete' : `${rt.out.paint('green', '✓')} deleted`} ${o.kind} ${o.name}${o.namespace ? ` (namespace ${o.namespace})` : ''}`);
    });
  return withExamples(command, ['firehose cleanup --dry-run', 'firehose cleanup']);
}
