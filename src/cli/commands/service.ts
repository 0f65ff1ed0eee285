import { Command } from '@commander-js/extra-typings';
import { withExamples } from '../action.js';
import { objectSubcommands } from '../object-subcommands.js';

export function serviceCommand(): Command<any, any, any> {
  const group = new Command('service').description('Knative Services (the sinks `deploy sink` makes, functions deployed with --knative): list, describe, delete');
  for (const sub of objectSubcommands('service')) group.addCommand(sub);
  return withExamples(group, ['firehose service list', 'firehose service describe eventinghello']);
}
