import { Command } from '@commander-js/extra-typings';
import { collect, withExamples } from '../action.js';
import { createSub } from '../apply-template.js';
import { parseKeyValue } from '../flags.js';

export function triggerCommand(): Command<any, any, any> {
  const create = createSub('create', 'trigger', 'Create a Trigger: exact attribute filters to a subscriber',
    (c) => c
      .option('--broker <name>', 'broker (default "default")')
      .option('--subscriber <ref>', "a Knative Service name, kn's ksvc:NAME / svc:NAME / broker:NAME / channel:NAME / kafkasink:NAME (optional :NAMESPACE), Kind/name, or URL")
      .option('--filter <attr=value>', 'exact-match filter, repeatable (type=..., source=...)', collect, []),
    (name, o) => ({
      name, broker: o.broker, subscriber: o.subscriber,
      ...Object.fromEntries((o.filter as string[]).map((f) => { const [k, v] = parseKeyValue(f, '--filter'); return [`filter.${k}`, v]; })),
    }),
    ['firehose trigger create js-trigger --subscriber js-function --filter type=dev.nodeshift.samples.js-example --filter source=dev.nodeshift.samples/js-example-source',
      'firehose trigger create js-example-service --subscriber svc:js-example-service   # a plain Kubernetes Service, as seed 003']);
  return withExamples(new Command('trigger').description('Knative Triggers').addCommand(create), ['firehose trigger create wasm --subscriber wasm-fn --filter type=dev.nodeshift.samples.fromjs']);
}
