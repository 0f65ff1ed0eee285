/**
 * `firehose bridge mqtt`: MQTT → Kafka as seed 002's mqtt2kafka Camel route does it
 * (`iot-sensor/sw/temperature` → `iot-sensor-sw-temperature`, ...). Routes come from flags
 * (`--map filter=topic`, MQTT wildcards allowed) or from the seed's ConfigMap itself
 * (`application.properties`: mqtt.broker.topic.X paired with kafka.broker.topic.X).
 *
 * At-least-once with QoS 1: a message's PUBACK goes to the MQTT broker only after Kafka
 * acknowledged its record (acks=all), in the order the messages came; a bridge stopped
 * before that (even by SIGKILL) gets them again from the broker on its persistent session.
 */
import type { MqttClient } from 'mqtt';
import { configMapProperties } from './configmap.js';
import { UsageError } from '../errors.js';
import type { AckedProducer } from '../kafka/acked-producer.js';
import type { KafkaClient } from '../kafka/connect.js';
import type { MqttDeps, MqttSettings } from './mqtt.js';

export interface BridgeRoute {
  /** An MQTT topic filter (+ and # allowed). */
  filter: string;
  /** The Kafka topic its messages go to. */
  topic: string;
}

/** What the seed's ConfigMap says: the routes, and the MQTT broker and client id it names. */
export interface BridgeConfig {
  routes: BridgeRoute[];
  mqttUrl?: string;
  clientId?: string;
}

export type KeySpec = { kind: 'none' } | { kind: 'mqtt-topic' } | { kind: 'json'; field: string };

function checkFilter(filter: string, where: string): string {
  const parts = filter.split('/');
  const badHash = parts.some((part, i) => part.includes('#') && (part !== '#' || i !== parts.length - 1));
  const badPlus = parts.some((part) => part.includes('+') && part !== '+');
  if (filter === '' || badHash || badPlus) throw new UsageError(`${where}: "${filter}" is not an MQTT topic filter.`, 'Use / between levels, + for one level and # (last) for the rest: iot-sensor/+/temperature, iot-sensor/#.');
  return filter;
}

/** `--map iot-sensor/sw/temperature=iot-sensor-sw-temperature` */
export function parseRouteFlag(text: string): BridgeRoute {
  const at = text.lastIndexOf('=');
  const filter = at > 0 ? text.slice(0, at).trim() : '';
  const topic = at > 0 ? text.slice(at + 1).trim() : '';
  if (!filter || !topic) throw new UsageError(`--map "${text}" is not MQTT-FILTER=KAFKA-TOPIC.`, 'Example: --map iot-sensor/sw/temperature=iot-sensor-sw-temperature');
  return { filter: checkFilter(filter, '--map'), topic };
}

/** The seed's mqtt2kafka ConfigMap (one YAML document with data."application.properties"). */
export async function routesFromConfigMap(text: string, file: string): Promise<BridgeConfig> {
  const props = await configMapProperties(text, file, 'Give the seed\'s mqtt2kafka ConfigMap (mqtt2kafka-cm.yaml), or routes with --map MQTT-FILTER=KAFKA-TOPIC.');
  const routes: BridgeRoute[] = [];
  for (const [key, filter] of props) {
    const name = /^mqtt\.broker\.topic\.(.+)$/.exec(key)?.[1];
    if (name === undefined) continue;
    const topic = props.get(`kafka.broker.topic.${name}`);
    if (!topic) throw new UsageError(`${file}: ${key} has no kafka.broker.topic.${name} to go to.`);
    routes.push({ filter: checkFilter(filter, `${file}: ${key}`), topic });
  }
  if (routes.length === 0) throw new UsageError(`${file}: application.properties has no mqtt.broker.topic.* / kafka.broker.topic.* pairs.`, 'Add them, or give routes with --map MQTT-FILTER=KAFKA-TOPIC.');
  const uri = props.get('mqtt.broker.uri');
  const clientId = props.get('mqtt.broker.clientId');
  return { routes, ...(uri ? { mqttUrl: uri } : {}), ...(clientId ? { clientId } : {}) };
}

/** MQTT filter matching: + one level, # the rest (not topics starting with $ for wildcards). */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && /^[+#]/.test(filter)) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function parseKeySpec(text: string): KeySpec {
  if (text === 'none') return { kind: 'none' };
  if (text === 'mqtt-topic') return { kind: 'mqtt-topic' };
  const field = /^json:(.+)$/.exec(text)?.[1];
  if (field) return { kind: 'json', field };
  throw new UsageError(`--key "${text}" is not none, mqtt-topic or json:FIELD.`, 'Example: --key json:sensor (the value of the payload\'s "sensor" field).');
}

function keyOf(spec: KeySpec, topic: string, payload: Buffer): string | null {
  if (spec.kind === 'none') return null;
  if (spec.kind === 'mqtt-topic') return topic;
  try {
    const value = (JSON.parse(payload.toString('utf8')) as Record<string, unknown>)[spec.field];
    return value === undefined || value === null ? null : String(value);
  } catch {
    return null; // not JSON: no key, as a record without that field
  }
}

export interface BridgeOptions {
  mqtt: MqttSettings;
  routes: BridgeRoute[];
  qos: 0 | 1;
  key: KeySpec;
  /** The record header that carries the MQTT topic. */
  topicHeader: string;
  /** Stop (exit 0) after this many messages forwarded. */
  count?: number;
  signal: AbortSignal;
}

export type BridgeEvent =
  | { kind: 'subscribed'; url: string; filters: string[]; clientId: string; clean: boolean }
  | { kind: 'forwarded'; mqttTopic: string; kafkaTopic: string; redelivered: boolean }
  | { kind: 'unrouted'; mqttTopic: string }
  | { kind: 'reconnecting'; reason: string };

export interface BridgeResult {
  forwarded: number;
  /** Messages the MQTT broker marked as redelivered (DUP): they may be in Kafka twice. */
  redelivered: number;
  stoppedBy: 'signal' | 'count';
}

/** Internals of MQTT.js the bridge holds PUBACKs back with (see runBridge). */
type PacketSender = (packet: { cmd: string; messageId?: number }, callback?: (error?: Error) => void, ...rest: unknown[]) => void;

/**
 * Runs until the signal (or `count` messages). Checks first that every route's Kafka topic
 * exists; a Kafka failure stops the bridge without acknowledging what Kafka does not have.
 */
export async function runBridge(kafka: KafkaClient, options: BridgeOptions, deps: MqttDeps, onEvent: (event: BridgeEvent) => void): Promise<BridgeResult> {
  const { requireTopic } = await import('../kafka/topics.js');
  for (const topic of new Set(options.routes.map((r) => r.topic))) await requireTopic(kafka, topic);
  const { openAckedProducer } = await import('../kafka/acked-producer.js');
  const producer: AckedProducer = await openAckedProducer(kafka);
  const { connectMqtt } = await import('./mqtt.js');
  let client: MqttClient | undefined;
  let forwarded = 0;
  let redelivered = 0;
  let failure: unknown;
  let finish: (by: 'signal' | 'count') => void = () => {};
  const finished = new Promise<'signal' | 'count'>((resolve) => {
    finish = resolve;
  });
  /** Kafka's acknowledgement of each QoS 1 message, by MQTT packet id, until its PUBACK is sent. */
  const kafkaAcks = new Map<number, Promise<void>>();
  let pubacks: Promise<unknown> = Promise.resolve();
  let stopping = false;
  const fail = (error: unknown) => {
    failure ??= error;
    finish('signal');
  };
  const onAbort = () => finish('signal');
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    client = await connectMqtt(options.mqtt, deps, {}, (mqttClient) => {
      // MQTT.js acknowledges a QoS 1 message once handleMessage() calls back, and reads one
      // message at a time until then. The bridge calls back at once (so records batch) and
      // holds each PUBACK until Kafka has the record, sending them in arrival order.
      const internals = mqttClient as unknown as { _sendPacket: PacketSender; handleMessage: (packet: { topic: string; payload: Buffer; qos: number; messageId?: number; dup?: boolean }, callback: (error?: Error) => void) => void };
      const send = internals._sendPacket.bind(mqttClient);
      internals._sendPacket = (packet, callback, ...rest) => {
        const acked = packet.cmd === 'puback' && packet.messageId !== undefined ? kafkaAcks.get(packet.messageId) : undefined;
        if (!acked) return send(packet, callback, ...rest);
        kafkaAcks.delete(packet.messageId!);
        callback?.();
        pubacks = pubacks.then(() => acked).then(() => {
          if (!failure && mqttClient.connected) send(packet);
        }, () => undefined);
      };
      internals.handleMessage = (packet, callback) => {
        if (stopping) return; // not acknowledged: the broker sends it again
        const route = options.routes.find((r) => topicMatches(r.filter, packet.topic));
        if (!route) {
          onEvent({ kind: 'unrouted', mqttTopic: packet.topic });
          return callback();
        }
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
        const redelivery = Boolean(packet.dup);
        const delivered = producer.send(route.topic, { key: keyOf(options.key, packet.topic, payload), value: payload, headers: { [options.topicHeader]: packet.topic } }).then(() => {
          forwarded += 1;
          if (redelivery) redelivered += 1;
          onEvent({ kind: 'forwarded', mqttTopic: packet.topic, kafkaTopic: route.topic, redelivered: redelivery });
          if (options.count !== undefined && forwarded >= options.count) finish('count');
        });
        delivered.catch(fail);
        if (packet.qos > 0 && packet.messageId !== undefined) kafkaAcks.set(packet.messageId, delivered);
        callback();
      };
    });
    const mqttClient = client;
    mqttClient.on('error', (error) => fail(error));
    // After the first connection: reconnect on loss; the persistent session resumes.
    mqttClient.options.reconnectPeriod = 1000;
    mqttClient.on('offline', () => onEvent({ kind: 'reconnecting', reason: 'the MQTT broker went away' }));
    const filters = options.routes.map((r) => r.filter);
    const granted = await mqttClient.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: options.qos }])));
    const refused = granted.filter((g) => g.qos === 128 || (typeof g.qos === 'number' && g.qos > 2));
    if (refused.length > 0) throw new UsageError(`The MQTT broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}.`, 'Check the filter and what this user may read.');
    onEvent({ kind: 'subscribed', url: options.mqtt.url, filters, clientId: mqttClient.options.clientId ?? '', clean: options.mqtt.clean });
    if (options.signal.aborted) finish('signal');
    const stoppedBy = await finished;
    stopping = true;
    if (failure) throw failure;
    // What Kafka has gets its PUBACK before the bridge leaves; the rest comes again.
    await Promise.race([pubacks, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    return { forwarded, redelivered, stoppedBy };
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: unknown }).code !== undefined) throw error;
    throw kafka.translate(error, 'bridge MQTT to Kafka');
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    stopping = true;
    await new Promise<void>((resolve) => (client ? client.end(false, {}, () => resolve()) : resolve()));
    await producer.close().catch(() => undefined);
  }
}
