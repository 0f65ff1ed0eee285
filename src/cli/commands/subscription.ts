import { Command } from '@commander-js/extra-typings';
import { withExamples } from '../action.js';
import { objectSubcommands } from '../object-subcommands.js';

export function subscriptionCommand(): Command<any, any, any> {
  const group = new Command('subscription').description('Knative Subscriptions: list, describe, delete (create one with `firehose subscribe`)');
  for (const sub of objectSubcommands('subscription')) group.addCommand(sub);
  return withExamples(group, ['firehose subscription list', 'firehose subscription delete my-channel-event-display']);
}
