import { Command } from '@commander-js/extra-typings';
import { withExamples } from '../action.js';
import { objectSubcommands } from '../object-subcommands.js';
import { createSub } from '../apply-template.js';

export function channelCommand(): Command<any, any, any> {
  const create = createSub('create', 'channel', 'Create a Channel (backed by the default channel kind, or --kind)',
    (c) => c.option('--kind <kind>', 'KafkaChannel or InMemoryChannel'),
    (name, o) => ({ name, kind: o.kind }), ['firehose channel create my-channel', 'firehose channel create my-channel --kind InMemoryChannel']);
  const group = new Command('channel').description('Knative Channels: create, list, describe, delete (subscribe to one with `firehose subscribe`)').addCommand(create);
  for (const sub of objectSubcommands('channel')) group.addCommand(sub);
  return withExamples(group, ['firehose channel create my-channel', 'firehose channel list']);
}
