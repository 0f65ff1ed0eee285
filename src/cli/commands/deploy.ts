import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';
import { applyTemplate, withApplyOptions } from '../apply-template.js';

export function deployCommand(): Command<any, any, any> {
  const sink = withApplyOptions(new Command('sink'))
    .description('Deploy the lab sink: Knative Service eventinghello (target 1, maxScale 10, containerConcurrency 1)')
    .option('--name <name>', 'service name')
    .option('--image <image>', 'container image')
    .option('--max-scale <n>', 'autoscaling maxScale')
    .option('--target <n>', 'autoscaling target (concurrent requests per pod)')
    .action(async (options, cmd) => {
      await applyTemplate(runtimeOf(cmd), 'sink', { name: options.name, image: options.image, maxScale: options.maxScale, target: options.target }, options);
    });
  const deploy = new Command('deploy').description('Deploy lab workloads to the cluster').addCommand(sink);
  withExamples(sink, ['firehose deploy sink', 'firehose deploy sink --max-scale 3 --dry-run']);
  return withExamples(deploy, ['firehose deploy sink']);
}
