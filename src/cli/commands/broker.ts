import { Command } from '@commander-js/extra-typings';
import { withExamples } from '../action.js';
import { createSub } from '../apply-template.js';
import { objectSubcommands } from '../object-subcommands.js';

export function brokerCommand(): Command<any, any, any> {
  const create = createSub('create', 'broker', 'Create a Broker (default name "default")',
    (c) => c.option('--class <class>', 'MTChannelBasedBroker or Kafka'),
    (name, o) => ({ name, class: o.class }), ['firehose broker create', 'firehose broker create --class Kafka']);
  const group = new Command('broker').description('Knative Brokers in the cluster: create, list, describe, delete (the embedded Kafka broker is `firehose kafka start`)').addCommand(create);
  for (const sub of objectSubcommands('broker')) group.addCommand(sub);
  return withExamples(group, ['firehose broker create', 'firehose broker create --class Kafka', 'firehose broker describe default']);
}
