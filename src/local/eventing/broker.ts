/**
 * A Knative Broker + Triggers on this machine, behaving like the MTChannelBasedBroker: the
 * ingress answers 202 once it has the event, then delivers it in binary mode to every
 * matching trigger's subscriber with retries, dead-letters what cannot be delivered, and
 * routes a subscriber's reply event back through the triggers.
 */
import { UsageError } from '../../errors.js';
import { startEndpoint, type Endpoint, type EndpointSettings } from './ingress.js';
import { checkDelivery, checkUrl, type BrokerEvent, type DeliveryOptions, type DeliverySpec, type Route } from './router.js';

export interface Trigger {
  name: string;
  /**
   * Attribute name → value, all must match exactly (type, source, subject, extensions…).
   * As in Knative, an empty value only requires the attribute to be present. `{}` matches all.
   */
  filter: Record<string, string>;
  /** Where matching events are POSTed (binary mode). */
  subscriber: string;
  /** The broker the trigger belongs to (spec.broker; informational here). */
  broker?: string;
  delivery?: DeliverySpec;
}

export interface BrokerOptions extends DeliveryOptions, EndpointSettings {
  triggers?: Trigger[];
}

/** The running broker: its triggers as `list()`, `add()` (replacing by name), `remove()`. */
export type BrokerHandle = Endpoint<Trigger>;

function toRoute(trigger: Trigger): Route {
  return { name: trigger.name, subscriber: trigger.subscriber, filter: { ...trigger.filter }, delivery: { ...trigger.delivery } };
}

function checkTrigger(trigger: Trigger): Trigger {
  if (typeof trigger.name !== 'string' || trigger.name === '') throw new UsageError('A trigger needs a name.');
  checkUrl(trigger.subscriber, `subscriber of trigger "${trigger.name}"`);
  for (const [name, value] of Object.entries(trigger.filter ?? {})) {
    if (typeof value !== 'string') throw new UsageError(`Trigger "${trigger.name}": filter attribute ${name} must be a string.`);
  }
  checkDelivery(trigger.delivery, `trigger "${trigger.name}"`);
  return { ...trigger, filter: { ...(trigger.filter ?? {}) }, delivery: trigger.delivery === undefined ? undefined : { ...trigger.delivery } };
}

/**
 * Starts a broker on loopback. Each accepted event is answered 202 at once and then delivered
 * to every trigger whose filter matches; replies are routed again (at most maxHops in a row).
 */
export async function startBroker(options: BrokerOptions, onEvent: (event: BrokerEvent) => void): Promise<BrokerHandle> {
  return startEndpoint({
    kind: 'broker', options, items: options.triggers, check: checkTrigger, toRoute, onEvent,
    copy: (t) => ({ ...t, filter: { ...t.filter } }),
  });
}
