import { Command } from '@commander-js/extra-typings';
import { runtimeOf, withExamples } from '../action.js';
import { subscriptionName } from '../../templates/values.js';
import { applyTemplate, deliveryValues, withApplyOptions, withDeliveryOptions } from '../apply-template.js';

export function subscribeCommand(): Command<any, any, any> {
  const command = withDeliveryOptions(withApplyOptions(new Command('subscribe')))
    .description('Subscribe a service to a channel (a Subscription)')
    .argument('<channel>', 'channel name')
    .requiredOption('--subscriber <ref>', "a Knative Service name, kn's ksvc:NAME / svc:NAME / broker:NAME / channel:NAME / kafkasink:NAME (optional :NAMESPACE), Kind/name, or URL")
    .option('--reply <ref>', 'where replies go')
    .option('--name <name>', 'subscription name (default: <channel>-<subscriber>)')
    .action(async (channel, options, cmd) => {
      // One object per channel and subscriber: a second subscribe never replaces the first.
      const name = options.name ?? subscriptionName(channel, options.subscriber);
      await applyTemplate(runtimeOf(cmd), 'subscription', { channel, subscriber: options.subscriber, reply: options.reply, name, ...deliveryValues(options as object) }, options);
    });
  return withExamples(command, ['firehose subscribe my-channel --subscriber event-display   # Subscription my-channel-event-display', 'firehose subscribe kch --subscriber eventinghello --name lab-sub']);
}
