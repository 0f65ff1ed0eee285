/**
 * A Knative Channel + Subscriptions on this machine: every event the ingress accepts goes to
 * every subscription (no filters), with the broker's retries and dead letters; a
 * subscriber's reply is POSTed to that subscription's `reply` URL.
 */
import { UsageError } from '../../errors.js';
import { startEndpoint, type Endpoint, type EndpointSettings } from './ingress.js';
import { checkDelivery, checkUrl, type BrokerEvent, type DeliveryOptions, type DeliverySpec, type Route } from './router.js';

export interface Subscription {
  name: string;
  subscriber: string;
  /** Where the subscriber's reply events are POSTed (spec.reply); without it replies are dropped. */
  reply?: string;
  delivery?: DeliverySpec;
}

export interface ChannelOptions extends DeliveryOptions, EndpointSettings {
  subscriptions?: Subscription[];
}

/** The running channel: its subscriptions as `list()`, `add()` (replacing by name), `remove()`. */
export type ChannelHandle = Endpoint<Subscription>;

function checkSubscription(subscription: Subscription): Subscription {
  if (typeof subscription.name !== 'string' || subscription.name === '') throw new UsageError('A subscription needs a name.');
  checkUrl(subscription.subscriber, `subscriber of subscription "${subscription.name}"`);
  if (subscription.reply !== undefined) checkUrl(subscription.reply, `reply of subscription "${subscription.name}"`);
  checkDelivery(subscription.delivery, `subscription "${subscription.name}"`);
  return { ...subscription, delivery: subscription.delivery === undefined ? undefined : { ...subscription.delivery } };
}

function toRoute(s: Subscription): Route {
  return { name: s.name, subscriber: s.subscriber, filter: {}, delivery: { ...s.delivery }, reply: s.reply };
}

/**
 * Starts a channel on loopback: every accepted event goes to every subscription (no filters);
 * a subscriber's reply is POSTed to that subscription's `reply` URL.
 */
export async function startChannel(options: ChannelOptions, onEvent: (event: BrokerEvent) => void): Promise<ChannelHandle> {
  return startEndpoint({
    kind: 'channel', options, items: options.subscriptions, check: checkSubscription, toRoute, onEvent,
    copy: (s) => ({ ...s }),
  });
}
