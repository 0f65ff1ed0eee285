import type { EnvSource } from '../config/env.js';
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

/**
 * A Service the lab runs besides its sink, for Trigger and Subscription refs to resolve to
 * (`up --service NAME=...`): a function folder, a URL to forward to, or a command run per
 * event. Each scales 0..N like the sink, its workers named `<name>-00001-deployment-xxxxx`.
 */
export interface LocalService {
  name: string;
  run: { function: string } | { url: string } | { command: string };
}

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
  /** More Services, named in Trigger and Subscription refs (scaled with pool's settings). */
  services?: LocalService[];
  /** A function's request that takes longer is answered 504. */
  functionTimeoutMs?: number;
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
  /** The --service Services and their ingress URLs. */
  services: Array<{ name: string; url: string }>;
  brokerUrl: string | null;
  channelUrl: string | null;
  /** GET /watch here streams the workers as pods and their log lines (tail logs / watch pods --local). */
  observeUrl: string | null;
  triggers: string[];
  /** Settles when the dispatcher stops (signal) or fails; the rest is closed by then. */
  done: Promise<DispatcherResult>;
}

function checkServiceNames(sink: string, services: LocalService[]): void {
  const seen = new Set([sink]);
  for (const { name } of services) {
    if (seen.has(name)) throw new UsageError(`--service ${name}: ${name === sink ? 'is the lab\'s sink already' : 'given twice'}.`, 'Give each Service one --service NAME=FOLDER|URL|COMMAND.');
    seen.add(name);
  }
}

/** Starts the function's runtime once and stops it: a function that does not load fails `up` at once, not on its first event. */
async function checkFunction(path: string, timeoutMs: number, env: EnvSource): Promise<void> {
  const { startFunctionProcess } = await import('../functions/runtime-process.js');
  const probe = await startFunctionProcess({ path, port: 0, timeoutMs, env, onLine: () => {} });
  await probe.stop();
}

/** A --service as a pool of workers with the sink's scaling settings, on a port of its own. */
async function startServicePool(local: LocalService, options: LabOptions, publish: (event: SinkPoolEvent) => void): Promise<SinkPoolHandle> {
  const run = local.run;
  if ('function' in run) await checkFunction(run.function, options.functionTimeoutMs ?? 30_000, options.pool.env ?? {});
  const { port: _port, portFlag: _flag, command: _command, workMs: _work, ...scaling } = options.pool;
  return startSinkPool({
    ...scaling,
    service: local.name,
    ...('function' in run ? { function: { path: run.function, timeoutMs: options.functionTimeoutMs ?? 30_000 } } : 'url' in run ? { targetUrl: run.url } : { command: run.command }),
  }, publish);
}

/**
 * The lab's moving parts on this machine: topic, sink workers that scale 0..N (or an
 * external sink), the KafkaSource dispatcher into them, and a broker with triggers.
 */
export async function startLab(client: KafkaClient, options: LabOptions, onEvent: (event: LabEvent) => void): Promise<LabHandle> {
  const topic = await createTopic(client, { topic: options.topic, partitions: options.partitions, replicas: 1, configs: {} });
  onEvent({ from: 'topic', created: topic.created, topic: options.topic });

  let pool: SinkPoolHandle | undefined;
  const servicePools: SinkPoolHandle[] = [];
  let broker: BrokerHandle | undefined;
  let observe: ObserveServer | undefined;
  let channel: ChannelHandle | undefined;
  const closeAll = async () => {
    await channel?.close();
    await broker?.close();
    await Promise.all([pool?.close(), ...servicePools.map((p) => p.close())]);
    await observe?.close();
  };
  try {
    const service = options.pool.service ?? 'eventinghello';
    const services = options.services ?? [];
    checkServiceNames(service, services);
    if (!options.sinkUrl || services.length > 0) {
      observe = await startObserveServer(() => [pool, ...servicePools].flatMap((p) => p?.workers() ?? []));
    }
    const publish = (event: SinkPoolEvent) => {
      observe!.publish(event);
      onEvent({ from: 'sink', event });
    };
    if (!options.sinkUrl) pool = await startSinkPool(options.pool, publish);
    const sinkUrl = options.sinkUrl ?? pool!.url;
    for (const local of services) servicePools.push(await startServicePool(local, options, publish));
    const urls = new Map<string, string>([[service, sinkUrl], ...servicePools.map((p) => [p.service, p.url] as [string, string])]);
    let triggerNames: string[] = [];
    if (options.broker) {
      const resolveRef = (kind: string, name: string) => (kind === 'Service' ? urls.get(name) : undefined);
      const fromFiles = (await Promise.all(options.broker.triggerFiles.map((file) => loadTriggerFile(file, { resolveRef, skipOtherKinds: true })))).flat();
      const fromFlags = options.broker.triggerFlags.map((flag, i) => parseTriggerFlag(flag, i, (name) => resolveRef('Service', name)));
      const triggers = [...fromFiles, ...fromFlags];
      triggerNames = triggers.map((t) => t.name);
      broker = await startBroker({ port: options.broker.port, portFlag: options.broker.portFlag, triggers, deadLetterUrl: options.deadLetterUrl }, (event) => onEvent({ from: 'broker', event }));
    }
    if (options.channel) {
      const subscriptions = options.channel.subscribers.map((subscriber, i) => {
        const url = /^https?:\/\//.test(subscriber) ? subscriber : urls.get(subscriber);
        if (!url) throw new UsageError(`--subscribe ${subscriber}: not a URL and not a local service (${[...urls.keys()].join(', ')}).`, 'Give a URL, or run the service with --service NAME=FOLDER|URL|COMMAND.');
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
    return { topic: options.topic, group: options.group, sinkUrl, services: servicePools.map((p) => ({ name: p.service, url: p.url })), brokerUrl: broker?.url ?? null, channelUrl: channel?.url ?? null, observeUrl: observe?.url ?? null, triggers: triggerNames, done };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
