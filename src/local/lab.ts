import type { KafkaClient } from '../kafka/connect.js';
import { createTopic } from '../kafka/topics.js';
import { UsageError } from '../errors.js';
import { startBroker, type BrokerHandle } from './eventing/broker.js';
import { startChannel, type ChannelHandle } from './eventing/channel.js';
import type { BrokerEvent } from './eventing/router.js';
import type { RetryPolicy } from './delivery.js';
import { runDispatcher, type DispatchEvent, type DispatcherResult } from './dispatcher.js';
import { startSinkPool, type SinkPoolEvent, type SinkPoolHandle, type SinkPoolOptions } from './sink-pool/pool.js';
import { parseTriggerFlag } from './eventing/trigger-flag.js';
import { loadTriggerFile } from './eventing/trigger-yaml.js';
import { startObserveServer, type ObserveServer } from './observe-server.js';

export interface LabOptions {
  topic: string;
  /** The KafkaSource's group: knative-group-<N>. */
  group: string;
  /** For the CloudEvent source attribute: /apis/v1/namespaces/<ns>/kafkasources/<name>#<topic>. */
  namespace: string;
  sourceName: string;
  /** Partitions for the topic when it has to be created (the lab's 10). */
  partitions: number;
  /** Deliver to this URL instead of local sink workers. */
  sinkUrl?: string;
  pool: SinkPoolOptions;
  initialOffset: 'earliest' | 'latest';
  ordering: 'ordered' | 'unordered';
  retry: RetryPolicy;
  deadLetterUrl?: string;
  requestTimeoutMs: number;
  /** Triggers from Knative Trigger YAML files and from `--trigger` flags. */
  broker: { port: number; portFlag?: string; triggerFiles: string[]; triggerFlags: string[] } | null;
  /** A channel fanning every event out to these subscribers (URLs or the sink service's name). */
  channel: { port: number; portFlag?: string; subscribers: string[] } | null;
  signal: AbortSignal;
}

export type LabEvent =
  | { from: 'topic'; created: boolean; topic: string }
  | { from: 'sink'; event: SinkPoolEvent }
  | { from: 'dispatcher'; event: DispatchEvent }
  | { from: 'broker'; event: BrokerEvent }
  | { from: 'channel'; event: BrokerEvent };

export interface LabHandle {
  topic: string;
  group: string;
  sinkUrl: string;
  brokerUrl: string | null;
  channelUrl: string | null;
  /** GET /watch here streams the workers as pods and their log lines (tail logs / watch pods --local). */
  observeUrl: string | null;
  triggers: string[];
  /** Settles when the dispatcher stops (signal) or fails; the rest is closed by then. */
  done: Promise<DispatcherResult>;
}

/**
 * The lab's moving parts on this machine: topic, sink workers that scale 0..N (or an
 * external sink), the KafkaSource dispatcher into them, and a broker with triggers.
 */
export async function startLab(client: KafkaClient, options: LabOptions, onEvent: (event: LabEvent) => void): Promise<LabHandle> {
  const topic = await createTopic(client, { topic: options.topic, partitions: options.partitions, replicas: 1, configs: {} });
  onEvent({ from: 'topic', created: topic.created, topic: options.topic });

  let pool: SinkPoolHandle | undefined;
  let broker: BrokerHandle | undefined;
  let observe: ObserveServer | undefined;
  let channel: ChannelHandle | undefined;
  const closeAll = async () => {
    await channel?.close();
    await broker?.close();
    await pool?.close();
    await observe?.close();
  };
  try {
    if (!options.sinkUrl) {
      observe = await startObserveServer(() => pool?.workers() ?? []);
      pool = await startSinkPool(options.pool, (event) => {
        observe!.publish(event);
        onEvent({ from: 'sink', event });
      });
    }
    const sinkUrl = options.sinkUrl ?? pool!.url;
    let triggerNames: string[] = [];
    if (options.broker) {
      const service = options.pool.service ?? 'eventinghello';
      const resolveRef = (kind: string, name: string) => (kind === 'Service' && name === service ? sinkUrl : undefined);
      const fromFiles = (await Promise.all(options.broker.triggerFiles.map((file) => loadTriggerFile(file, { resolveRef, skipOtherKinds: true })))).flat();
      const fromFlags = options.broker.triggerFlags.map((flag, i) => parseTriggerFlag(flag, i, (name) => resolveRef('Service', name)));
      const triggers = [...fromFiles, ...fromFlags];
      triggerNames = triggers.map((t) => t.name);
      broker = await startBroker({ port: options.broker.port, portFlag: options.broker.portFlag, triggers, deadLetterUrl: options.deadLetterUrl }, (event) => onEvent({ from: 'broker', event }));
    }
    if (options.channel) {
      const service = options.pool.service ?? 'eventinghello';
      const subscriptions = options.channel.subscribers.map((subscriber, i) => {
        const url = /^https?:\/\//.test(subscriber) ? subscriber : subscriber === service ? sinkUrl : undefined;
        if (!url) throw new UsageError(`--subscribe ${subscriber}: not a URL and not the local service ${service}.`);
        return { name: `subscription-${i + 1}`, subscriber: url };
      });
      channel = await startChannel({ port: options.channel.port, portFlag: options.channel.portFlag, subscriptions, deadLetterUrl: options.deadLetterUrl }, (event) => onEvent({ from: 'channel', event }));
    }
    const done = runDispatcher(client, {
      topic: options.topic,
      group: options.group,
      sinkUrl,
      source: { namespace: options.namespace, name: options.sourceName },
      initialOffset: options.initialOffset,
      ordering: options.ordering,
      retry: options.retry,
      deadLetterUrl: options.deadLetterUrl,
      requestTimeoutMs: options.requestTimeoutMs,
      signal: options.signal,
    }, (event) => onEvent({ from: 'dispatcher', event })).finally(closeAll);
    return { topic: options.topic, group: options.group, sinkUrl, brokerUrl: broker?.url ?? null, channelUrl: channel?.url ?? null, observeUrl: observe?.url ?? null, triggers: triggerNames, done };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
