import { Command } from '@commander-js/extra-typings';
import { withExamples } from '../action.js';
import { objectSubcommands } from '../object-subcommands.js';

export function sourceCommand(): Command<any, any, any> {
  const group = new Command('source').description('Event sources in the cluster (KafkaSource, PingSource): list, describe, delete (create the lab\'s with `firehose wire`)');
  for (const sub of objectSubcommands('source')) group.addCommand(sub);
  return withExamples(group, ['firehose source list', 'firehose source describe kafka-source-7']);
}
