import { Command } from '@commander-js/extra-typings';
import { collect, withExamples } from '../action.js';
import { objectSubcommands } from '../object-subcommands.js';
import { createSub, deliveryValues, withDeliveryOptions } from '../apply-template.js';
import { parseKeyValue } from '../flags.js';

export function triggerCommand(): Command<any, any, any> {
  const create = createSub('create', 'trigger', 'Create a Trigger: exact attribute filters to a subscriber',
    (c) => withDeliveryOptions(c)
      .option('--broker <name>', 'broker (default "default")')
      .option('--ordering <mode>', 'Kafka broker class: ordered (per partition) or unordered delivery')
      .option('--subscriber <ref>', "a Knative Service name, kn's ksvc:NAME / svc:NAME / broker:NAME / channel:NAME / kafkasink:NAME (optional :NAMESPACE), Kind/name, or URL")
      .option('--filter <attr=value>', 'exact-match filter, repeatable (type=..., source=...)', collect, []),
    (name, o) => ({
      name, broker: o.broker, subscriber: o.subscriber, ordering: o.ordering, ...deliveryValues(o),
      ...Object.fromEntries((o.filter as string[]).map((f) => { const [k, v] = parseKeyValue(f, '--filter'); return [`filter.${k}`, v]; })),
    }),
    ['firehose trigger create js-trigger --subscriber js-function --filter type=dev.nodeshift.samples.js-example --filter source=dev.nodeshift.samples/js-example-source',
      'firehose trigger create js-example-service --subscriber svc:js-example-service   # a plain Kubernetes Service, as seed 003',
      'firehose trigger create t --subscriber eventinghello --dead-letter ksvc:event-display --retry 3 --backoff-delay 200ms --backoff-policy exponential']);
  const group = new Command('trigger').description('Knative Triggers: create, list, describe, delete').addCommand(create);
  for (const sub of objectSubcommands('trigger')) group.addCommand(sub);
  return withExamples(group, ['firehose trigger create wasm --subscriber wasm-fn --filter type=dev.nodeshift.samples.fromjs', 'firehose trigger list']);
}
