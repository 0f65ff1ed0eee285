import { Command } from '@commander-js/extra-typings';
import { formatTable } from '../../ui/table.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import { parsePositiveInt } from '../flags.js';

export function groupsCommand(): Command<any, any, any> {
  const list = new Command('list')
    .description('List consumer groups and their state')
    .action(async (_options, cmd) => {
      const rt = runtimeOf(cmd);
      const { listGroups } = await import('../../kafka/groups.js');
      const groups = await listGroups(await rt.kafka());
      if (rt.out.structured) return rt.out.data(groups);
      if (groups.length === 0) return rt.out.info('No consumer groups.');
      rt.out.line(formatTable(['GROUP', 'STATE', 'TYPE'], groups.map((g) => [g.groupId, g.state, g.protocolType || '-'])));
    });

  const describe = new Command('describe')
    .description('Members, assignments, committed offsets and lag of a group')
    .argument('<group>', 'consumer group id')
    .action(async (group, _options, cmd) => {
      const rt = runtimeOf(cmd);
      const { describeGroup } = await import('../../kafka/groups.js');
      const d = await describeGroup(await rt.kafka(), group);
      if (rt.out.structured) return rt.out.data(d);
      rt.out.line(`Group ${rt.out.paint('bold', d.groupId)}: ${d.state}, ${d.members.length} member${d.members.length === 1 ? '' : 's'}, total lag ${d.totalLag}`);
      const owner = new Map<string, string>();
      for (const m of d.members) for (const [t, ps] of Object.entries(m.assignments)) for (const p of ps) owner.set(`${t}/${p}`, `${m.clientId} ${m.clientHost}`);
      rt.out.line(formatTable(
        ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'MEMBER'],
        d.offsets.map((o) => [o.topic, o.partition, o.committed ?? '-', o.end ?? '-', o.lag ?? '-', owner.get(`${o.topic}/${o.partition}`) ?? '-']),
      ));
    });

  const reset = new Command('reset-offsets')
    .description('Move a group\'s committed offsets (prints the plan; changes nothing without --execute)')
    .argument('<group>', 'consumer group id')
    .requiredOption('--to <target>', 'earliest, latest, an offset, or a time (2026-11-24T10:00:00Z, or @<epoch ms>)')
    .option('--topic <topic>', 'only this topic (default: every topic the group committed to)')
    .option('--execute', 'apply the plan (the group must have no running consumers)')
    .action(async (group, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { executeOffsetReset, parseResetTarget, planOffsetReset } = await import('../../kafka/groups.js');
      const client = await rt.kafka();
      const plan = await planOffsetReset(client, { groupId: group, topic: options.topic, to: parseResetTarget(options.to) });
      const rows = options.execute ? await executeOffsetReset(client, plan) : plan.rows;
      if (rt.out.structured) return rt.out.data({ groupId: group, executed: Boolean(options.execute), rows });
      rt.out.line(formatTable(['TOPIC', 'PARTITION', 'CURRENT', 'NEW'], rows.map((r) => [r.topic, r.partition, r.current ?? '-', r.target])));
      rt.out.info(options.execute ? `Offsets of group ${group} reset.` : 'Plan only: nothing changed. Add --execute to apply it.');
    });

  const deleteOffsets = new Command('delete-offsets')
    .description("Delete a group's committed offsets of a topic, so it starts there from its reset policy (kafka-consumer-groups' delete-offsets)")
    .argument('<group>', 'consumer group id')
    .requiredOption('-t, --topic <topic>', 'the topic whose offsets go')
    .option('-p, --partition <n>', 'only this partition (repeatable; default every partition)', collect, [])
    .action(async (group, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { deleteGroupOffsets } = await import('../../kafka/groups.js');
      const partitions = options.partition.length ? options.partition.map((p) => parsePositiveInt(p, '--partition', { allowZero: true })) : undefined;
      const rows = await deleteGroupOffsets(await rt.kafka(), { groupId: group, topic: options.topic, partitions });
      if (rt.out.structured) return rt.out.data({ groupId: group, rows });
      rt.out.line(formatTable(['TOPIC', 'PARTITION', 'DELETED'], rows.map((r) => [r.topic, r.partition, r.committed ?? '-'])));
      rt.out.info(`Offsets of group ${group} on ${options.topic} deleted: it starts there from its reset policy.`);
    });

  const groups = new Command('groups')
    .description('Consumer groups: list, describe (with lag), reset-offsets, delete-offsets')
    .addCommand(list, { isDefault: true })
    .addCommand(describe)
    .addCommand(reset)
    .addCommand(deleteOffsets);
  withExamples(deleteOffsets, ['firehose groups delete-offsets lab --topic my-topic-7', 'firehose groups delete-offsets lab -t my-topic-7 -p 0 -p 1']);
  withExamples(describe, ['firehose groups describe knative-group-7']);
  withExamples(reset, ['firehose groups reset-offsets demo-7 --to earliest', 'firehose groups reset-offsets demo-7 --topic my-topic-7 --to 2026-11-24T09:00:00Z --execute']);
  withExamples(list, ['firehose groups list --output json']);
  return withExamples(groups, ['firehose groups', 'firehose groups describe knative-group-7', 'firehose groups reset-offsets lab --to earliest --execute']);
}
