import { Command } from '@commander-js/extra-typings';
import { withExamples } from '../action.js';
import { objectSubcommands } from '../object-subcommands.js';

// Strimzi's KafkaTopic custom resources (what `create-topic` applies where Strimzi runs),
// as the cluster sees them: Ready, partitions, replicas. `firehose topics` is Kafka's own view.
export function kafkatopicCommand(): Command<any, any, any> {
  const group = new Command('kafkatopic').description('Strimzi KafkaTopic resources (what create-topic applies where Strimzi runs): list with Ready, describe, delete; `firehose topics` asks Kafka itself');
  for (const sub of objectSubcommands('kafkatopic')) group.addCommand(sub);
  return withExamples(group, ['firehose kafkatopic list', 'firehose kafkatopic describe my-topic-7']);
}
