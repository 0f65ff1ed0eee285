import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';
import { applyTemplate, withApplyOptions } from '../apply-template.js';

export function applyCommand(): Command<any, any, any> {
  const command = withApplyOptions(new Command('apply'))
    .description('Apply any template for your user (server-side apply, field manager firehose)')
    .argument('<template>', 'template name (firehose render lists them)')
    .action(async (template, options, cmd) => {
      await applyTemplate(runtimeOf(cmd), template, {}, options);
    });
  return withExamples(command, ['firehose apply ping-source --set schedule="*/1 * * * *"', 'firehose apply event-display']);
}
