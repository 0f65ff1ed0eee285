// `firehose edge up`: seed 002's whole edge-to-core flow on this machine, composed of the
// edge's own parts: sensors → MQTT broker → bridge (the mqtt2kafka route) → the factory's
// Kafka → mirror (MirrorMaker2, manuela-factory.<topic>) → the central Kafka → the data lake
// (kafka-to-s3, N records an object, into a folder). Each Kafka is firehose's embedded broker
// unless an existing one is given. Started in the order data flows backwards, so nothing is
// published before its reader is there: the Kafkas, the factory's topics, the MQTT broker, the
// mirror (which creates the central topics), the lake, the bridge (subscribed), the sensors.
// Live counts per hop; one AbortSignal stops it all, and a part that fails stops the rest.
import { access, constants } from 'node:fs/promises';
import type { EnvSource } from '../config/env.js';
import { FirehoseError, isFirehoseError } from '../errors.js';
import type { KafkaClient } from '../kafka/connect.js';
import type { LabKind } from '../local/lab-process.js';
import type { Logger } from '../logger.js';
import type { BridgeRoute } from './bridge.js';
import { DEFAULT_LAKE_DIR, type LakeStore, type LakeTarget, type S3Credentials } from './lake-store.js';
import { SENSOR_TOPICS } from './sensors.js';

/** What `edge up` does without flags. */
export const edgeDefaults = {
  /** The usual ports, so other terminals' commands (`firehose sensors`, `--bootstrap localhost:9093`) find them. */
  mqttPort: 1883,
  factoryKafkaPort: 9092,
  centralKafkaPort: 9093,
  /** The lake's folder, as `firehose lake` has it. */
  dir: DEFAULT_LAKE_DIR,
  /** Records per object: the seed's s3.message.aggregation.count. */
  records: 10,
  /** A partition's object is stored after this long, however few records it has. */
  maxWait: '30s',
  sensors: 2,
  /** Readings per second, all sensors together. */
  rate: 5,
  /** MirrorMaker2's aliases in the seed: mirrored topics are manuela-factory.<topic>. */
  sourceAlias: 'manuela-factory',
  targetAlias: 'manuela-central',
  /** The lake's consumer group on the central Kafka (`firehose lake`'s default). */
  lakeGroup: 'firehose-lake',
  /** The bridge's MQTT client id: the seed's mqtt2kafka ConfigMap's mqtt.broker.clientId. */
  bridgeClientId: 'MQTT2KafkaRoute',
  stopTimeout: '20s',
} as const;

/**
 * Seed 002's mqtt2kafka routes (templates/mqtt2kafka.yaml): each sensor topic to the factory
 * topic of the same name with dashes, iot-sensor/sw/temperature → iot-sensor-sw-temperature.
 */
export const EDGE_ROUTES: readonly BridgeRoute[] = Object.values(SENSOR_TOPICS).map((filter) => ({ filter, topic: filter.replaceAll('/', '-') }));

/** The edge lab as a background process: one per machine, its own state file (`edge up --detach`, `edge down`). */
export const EDGE_LAB: LabKind = {
  stateName: 'edge',
  alreadyRunning: (pid) => `The edge lab is already running (pid ${pid}).`,
  notRunning: 'No background edge lab is running.',
  stopCommand: 'firehose edge down',
  startCommand: 'firehose edge up --detach',
};

/** Where one side's Kafka is: an existing one, or firehose's embedded broker started here. */
export type EdgeKafka =
  /** An existing Kafka, checked before anything starts; `flag` named it. */
  | { bootstrap: string; flag: string }
  /** The embedded broker on this loopback port (0 = any free); the flags that choose the port, or an existing Kafka instead. */
  | { port: number; portFlag: string; bootstrapFlag: string };

export interface EdgeLabOptions {
  factory: EdgeKafka;
  central: EdgeKafka;
  /** The MQTT broker's loopback port (0 = any free) and the flag that chose it. */
  mqtt: { port: number; portFlag: string };
  /** The data lake: where (a folder, or an S3 bucket with the environment's keys), records per object, the longest a partition's object waits. */
  lake: { target: LakeTarget; credentials?: S3Credentials; dirFlag: string; records: number; maxWaitMs: number };
  /** How many sensors, readings per second (all together; 0 = as fast as MQTT takes them), and when to stop publishing (default: never). */
  sensors: { sensors: number; rate: number; count?: number };
  /** A Kafka client for a bootstrap, with the caller's connection settings (TLS, SASL, timeouts). Closed here when the lab stops. */
  connect: (bootstrap: string) => Promise<KafkaClient>;
  env: EnvSource;
  log: Logger;
  signal: AbortSignal;
}

/** Records through each hop so far. */
export interface EdgeCounts {
  /** Readings the MQTT broker acknowledged. */
  published: number;
  /** Records the bridge wrote to the factory's Kafka (acknowledged). */
  bridged: number;
  /** Records the mirror wrote to the central Kafka (acknowledged). */
  mirrored: number;
  /** Objects in the lake, and the records they hold. */
  stored: { objects: number; records: number };
}

export type EdgeLabEvent =
  | { kind: 'kafka'; side: 'factory' | 'central'; bootstrap: string; embedded: boolean }
  | { kind: 'topic'; topic: string; created: boolean }
  | { kind: 'mqtt'; url: string }
  | { kind: 'mirroring'; pairs: Array<{ source: string; target: string; created: boolean }> }
  | { kind: 'bridging'; url: string; routes: readonly BridgeRoute[] }
  | { kind: 'stored'; name: string; records: number }
  /** The sensors stopped publishing by themselves (sensors.count reached); the rest goes on. */
  | { kind: 'sensors-done'; published: number };

export interface EdgeLabHandle {
  mqttUrl: string;
  factory: { bootstrap: string; embedded: boolean };
  central: { bootstrap: string; embedded: boolean };
  /** Where the objects go: the folder, or s3://bucket at the endpoint. */
  dir: string;
  records: number;
  routes: readonly BridgeRoute[];
  /** Each factory topic and its mirror on the central Kafka. */
  mirrors: Array<{ source: string; target: string }>;
  counts(): EdgeCounts;
  /** Settles once every part has stopped (the signal) and every port is closed; rejects with the first part that failed. */
  done: Promise<EdgeCounts>;
}

/** What a running edge lab records in its state file (beside pid, log file and start time), for `edge down` and people. */
export type EdgeLabRecord = Omit<EdgeLabHandle, 'counts' | 'done'>;

export interface EdgeLabState extends EdgeLabRecord {
  pid: number;
  /** Empty for a lab in the foreground. */
  logFile: string;
  startedAt: string;
}

/** Something to close when the lab stops, in reverse start order. */
type Closer = () => Promise<void>;

function interrupted(): FirehoseError {
  return new FirehoseError('INTERRUPTED', 'Interrupted while the edge lab was starting; everything it had started is stopped.', { exitCode: 130 });
}

/** Kafka's "nothing there" as the edge lab's own line: which side, which flag. */
function unreachableSide(error: unknown, client: KafkaClient, side: string, flag: string): FirehoseError {
  const translated = client.translate(error, `reach the ${side} Kafka`);
  if (translated.code !== 'KAFKA_UNREACHABLE') return translated;
  return new FirehoseError('KAFKA_UNREACHABLE', translated.message.replace(/^Cannot reach Kafka at/, `Cannot reach the ${side} Kafka (${flag}) at`), {
    hint: `Check ${flag} and that Kafka runs there, or leave ${flag} out to run an embedded one; --connect-timeout sets how long to try.`,
    cause: error,
  });
}

/**
 * The lake's store, checked before anything starts: a folder this process can write objects
 * into, or a bucket that exists (or is made, with --create-bucket) and takes the keys.
 */
async function openLake(lake: EdgeLabOptions['lake']): Promise<LakeStore> {
  const { openLakeStore } = await import('./lake-store.js');
  const store = await openLakeStore(lake.target, lake.credentials);
  await store.prepare();
  if (lake.target.kind === 'folder') {
    const { dir } = lake.target;
    await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
      throw new FirehoseError('OUT_UNWRITABLE', `Cannot write to the data lake folder ${dir}: ${error.code ?? error.message}.`, { hint: `Give a folder you can write to with ${lake.dirFlag}.`, cause: error });
    });
  }
  return store;
}

export async function startEdgeLab(options: EdgeLabOptions, onEvent: (event: EdgeLabEvent) => void = () => {}): Promise<EdgeLabHandle> {
  const counts: EdgeCounts = { published: 0, bridged: 0, mirrored: 0, stored: { objects: 0, records: 0 } };
  const log = options.log;
  // One stop for every part: the caller's signal, or the first part that fails.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (options.signal.aborted) stop.abort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  let failure: unknown;
  const running: Array<Promise<unknown>> = [];
  /** A part that runs until the stop; its failure stops the others. */
  const run = <T>(part: Promise<T>): Promise<T> => {
    running.push(part.catch((error: unknown) => {
      failure ??= error;
      stop.abort();
    }));
    return part;
  };
  /** Resolves once a part is ready, throws if it failed first, and stops the start if the lab was stopped meanwhile. */
  const started = async <T>(ready: Promise<T>, part: Promise<unknown>): Promise<T> => {
    const first = await Promise.race([ready, part.then(() => undefined)]);
    if (stop.signal.aborted || first === undefined) throw failure ?? interrupted();
    return first;
  };
  const checkStopped = () => {
    if (stop.signal.aborted) throw failure ?? interrupted();
  };
  const closers: Closer[] = [];
  const closeAll = async () => {
    stop.abort();
    await Promise.all(running);
    for (const close of closers.reverse()) await close().catch((error: Error) => log.debug(`edge: closing: ${error.message}`));
    options.signal.removeEventListener('abort', onAbort);
  };

  /** One side's Kafka: the embedded broker, or the existing one, reached once. */
  const kafkaSide = async (side: 'factory' | 'central', where: EdgeKafka) => {
    let bootstrap: string;
    const embedded = !('bootstrap' in where);
    if ('bootstrap' in where) bootstrap = where.bootstrap;
    else {
      const { startLabKafka } = await import('../local/lab-kafka.js');
      const prefix = `[${side} kafka]`;
      try {
        const kafka = await startLabKafka({
          port: where.port,
          portFlag: where.portFlag,
          log: { debug: (m) => log.debug(`${prefix} ${m}`), info: (m) => log.debug(`${prefix} ${m}`), warn: (m) => log.warn(`${prefix} ${m}`) },
        });
        closers.push(() => kafka.stop());
        bootstrap = kafka.bootstrap;
      } catch (error) {
        if (isFirehoseError(error) && error.code === 'BROKER_PORT_IN_USE') {
          throw new FirehoseError(error.code, `Port ${where.port} on 127.0.0.1, for the ${side} Kafka, is already in use.`, {
            hint: `Pick another ${where.portFlag} (0 = any free port), or use the Kafka there with ${where.bootstrapFlag} localhost:${where.port}.`,
            cause: error,
          });
        }
        throw error;
      }
    }
    const client = await options.connect(bootstrap);
    closers.push(() => client.close());
    if ('flag' in where) {
      try {
        await (await client.admin()).listTopics(false);
      } catch (error) {
        throw unreachableSide(error, client, side, where.flag);
      }
    }
    onEvent({ kind: 'kafka', side, bootstrap, embedded });
    return { client, info: { bootstrap, embedded } };
  };

  const snapshot = (): EdgeCounts => ({ ...counts, stored: { ...counts.stored } });
  let handle: Omit<EdgeLabHandle, 'done'>;
  try {
    const store = await openLake(options.lake);
    const factory = await kafkaSide('factory', options.factory);
    checkStopped();
    const central = await kafkaSide('central', options.central);
    checkStopped();

    // The seed's factory topics (its KafkaTopics: 1 partition); an existing one is used as it is.
    const { createTopic } = await import('../kafka/topics.js');
    for (const { topic } of EDGE_ROUTES) {
      const created = await createTopic(factory.client, { topic, partitions: 1, replicas: 1, configs: {} }).then((r) => r.created, (error: unknown) => {
        if (isFirehoseError(error) && error.code === 'TOPIC_MISMATCH') return false;
        throw error;
      });
      onEvent({ kind: 'topic', topic, created });
    }
    checkStopped();

    const { startMqttBroker } = await import('./mqtt-broker.js');
    const broker = await startMqttBroker({
      port: options.mqtt.port,
      portFlag: options.mqtt.portFlag,
      log: { debug: (m) => log.debug(`[mqtt] ${m}`), info: (m) => log.debug(`[mqtt] ${m}`), warn: (m) => log.warn(`[mqtt] ${m}`) },
    }).catch((error: unknown) => {
      if (isFirehoseError(error) && error.code === 'PORT_IN_USE') {
        const message = /already in use/.test(error.message) ? `Port ${options.mqtt.port} on 127.0.0.1, for the MQTT broker, is already in use.` : error.message;
        throw new FirehoseError(error.code, message, { hint: `Pick another ${options.mqtt.portFlag} (0 = any free port), or stop what listens there.`, cause: error });
      }
      throw error;
    });
    closers.push(() => broker.close());
    onEvent({ kind: 'mqtt', url: broker.url });
    checkStopped();

    // MirrorMaker2: the lab's topics only (a shared factory Kafka has others), under manuela-factory.<topic>.
    const { runMirror } = await import('./mirror.js');
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    let mirrorsReady!: (pairs: Array<{ source: string; target: string; created: boolean }>) => void;
    const mirrorTopics = new Promise<Array<{ source: string; target: string; created: boolean }>>((resolve) => { mirrorsReady = resolve; });
    const mirror = run(runMirror(factory.client, central.client, {
      sourceAlias: edgeDefaults.sourceAlias,
      targetAlias: edgeDefaults.targetAlias,
      separator: '.',
      policy: 'default',
      topics: new RegExp(`^(?:${EDGE_ROUTES.map((r) => escape(r.topic)).join('|')})$`),
      groups: /^(?:.*)$/,
      checkpointIntervalMs: 5000,
      signal: stop.signal,
    }, (event) => {
      if (event.kind === 'topics') mirrorsReady(event.pairs.map((p) => ({ source: p.source, target: p.target, created: p.created })));
      else if (event.kind === 'copied') counts.mirrored += event.records;
    }));
    const pairs = await started(mirrorTopics, mirror);
    onEvent({ kind: 'mirroring', pairs });

    // The data lake reads what the mirror writes (the topics exist now: the mirror made them).
    const { runLake } = await import('./lake.js');
    run(runLake(central.client, {
      topics: pairs.map((p) => p.target),
      store,
      records: options.lake.records,
      maxWaitMs: options.lake.maxWaitMs,
      group: edgeDefaults.lakeGroup,
      fromBeginning: true,
      signal: stop.signal,
    }, (event) => {
      if (event.kind !== 'stored') return;
      counts.stored.objects += 1;
      counts.stored.records += event.records;
      onEvent({ kind: 'stored', name: event.name, records: event.records });
    }));
    checkStopped();

    // The bridge, subscribed before the first reading: the MQTT broker keeps nothing for a topic nobody reads.
    const { runBridge } = await import('./bridge.js');
    let subscribed!: (url: string) => void;
    const bridgeUp = new Promise<string>((resolve) => { subscribed = resolve; });
    const mqttDeps = { env: options.env, log };
    const bridge = run(runBridge(factory.client, {
      mqtt: { url: broker.url, protocolVersion: 4, clientId: edgeDefaults.bridgeClientId, clean: false, connectTimeoutMs: 10_000 },
      routes: [...EDGE_ROUTES],
      qos: 1,
      key: { kind: 'none' },
      topicHeader: 'mqtt_topic',
      signal: stop.signal,
    }, mqttDeps, (event) => {
      if (event.kind === 'subscribed') subscribed(event.url);
      else if (event.kind === 'forwarded') counts.bridged += 1;
      else if (event.kind === 'unrouted') log.warn(`${event.mqttTopic}: no route (acknowledged, not forwarded)`);
    }));
    onEvent({ kind: 'bridging', url: await started(bridgeUp, bridge), routes: EDGE_ROUTES });

    const { runSensors } = await import('./sensors.js');
    const sensors = run(runSensors({
      mqtt: { url: broker.url, protocolVersion: 4, clientId: `firehose-edge-sensors-${Math.random().toString(16).slice(2, 10)}`, clean: true, connectTimeoutMs: 10_000 },
      qos: 1,
      sensors: options.sensors.sensors,
      rate: options.sensors.rate,
      count: options.sensors.count,
      format: 'json',
      signal: stop.signal,
    }, mqttDeps, (progress) => {
      counts.published = progress.published;
      log.debug(`${progress.topic} ${progress.payload}`);
    }));
    void sensors.then((result) => { if (!result.interrupted) onEvent({ kind: 'sensors-done', published: result.published }); }, () => undefined);
    handle = {
      mqttUrl: broker.url,
      factory: factory.info,
      central: central.info,
      dir: store.where,
      records: options.lake.records,
      routes: EDGE_ROUTES,
      mirrors: pairs.map(({ source, target }) => ({ source, target })),
      counts: snapshot,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }

  const done = (async () => {
    await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
    await closeAll();
    if (failure !== undefined) throw failure;
    return snapshot();
  })();
  return { ...handle, done };
}
