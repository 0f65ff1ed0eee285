import { Command, Option } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { EDGE_LAB, edgeDefaults, startEdgeLab, type EdgeCounts, type EdgeLabEvent, type EdgeLabHandle, type EdgeLabState } from '../../edge/edge-lab.js';
import { UsageError } from '../../errors.js';
import { ProgressCounter } from '../../ui/progress.js';
import { formatCount } from '../../util/count.js';
import { runtimeOf, withExamples } from '../action.js';
import { parseNonNegativeNumber, parsePort, parsePositiveInt } from '../flags.js';
import { s3Credentials, storeFlags, storeTarget, withStoreOptions, type StoreFlags } from '../lake-flags.js';
import type { Runtime } from '../runtime.js';

const DEFAULTS = Object.fromEntries(Object.entries(edgeDefaults).map(([key, value]) => [key, String(value)])) as { [K in keyof typeof edgeDefaults]: string };

const FLOW_NOTES = `
The flow (seed 002, on this machine):
  sensors → MQTT broker (iot-sensor/sw/temperature, iot-sensor/sw/vibration)
    → bridge (the mqtt2kafka route) → factory Kafka (iot-sensor-sw-temperature, iot-sensor-sw-vibration)
    → mirror (MirrorMaker2) → central Kafka (manuela-factory.iot-sensor-sw-temperature, ...)
    → data lake (kafka-to-s3): objects of --records records in --dir, or in an S3 bucket (--bucket,
      --s3-endpoint, keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), as \`firehose lake\` writes them.
Each Kafka is firehose's embedded broker unless --factory-bootstrap / --central-bootstrap name an
existing one.
Counts per hop: published (readings the MQTT broker acknowledged), bridged (records in the factory
Kafka), mirrored (records on the central Kafka), stored (lake objects and their records); one live
line on a terminal, a JSON line a second with --output json.
`;

/** How a count line reads: published 120 → bridged 120 → mirrored 118 → stored 11 objects (110 records). */
function hops(counts: EdgeCounts): string {
  return `bridged ${formatCount(counts.bridged)} → mirrored ${formatCount(counts.mirrored)} → stored ${formatCount(counts.stored.objects)} object${counts.stored.objects === 1 ? '' : 's'} (${formatCount(counts.stored.records)} records)`;
}

function printEvent(rt: Runtime, e: EdgeLabEvent): void {
  const out = rt.out;
  if (out.structured) return;
  const tag = (name: string) => out.paint('cyan', `[${name}]`);
  switch (e.kind) {
    case 'kafka':
      return out.info(`${tag('kafka')} ${e.side}: ${e.embedded ? `embedded broker on ${e.bootstrap}` : `${e.bootstrap} (--${e.side}-bootstrap)`}`);
    case 'topic':
      return out.info(`${tag('topic')} ${e.topic} on the factory Kafka ${e.created ? 'created' : 'already there'}`);
    case 'mqtt':
      return out.info(`${tag('mqtt')} broker on ${e.url}`);
    case 'mirroring':
      return out.info(`${tag('mirror')} ${e.pairs.map((p) => `${p.source} → ${p.target}`).join(', ')} on the central Kafka`);
    case 'bridging':
      return out.info(`${tag('bridge')} ${e.routes.map((r) => `${r.filter} → ${r.topic}`).join(', ')}`);
    case 'stored':
      return out.debug(`[lake] stored ${e.name} (${e.records} records)`);
    case 'sensors-done':
      return out.info(`${tag('sensors')} published ${formatCount(e.published)} readings (--count); the rest keeps running`);
  }
}

function printDetached(rt: Runtime, state: EdgeLabState, logFile: string): void {
  if (rt.out.structured) return rt.out.data(state);
  rt.out.line(`Edge lab running in the background (pid ${state.pid}): MQTT ${state.mqttUrl}, factory Kafka ${state.factory.bootstrap}, central Kafka ${state.central.bootstrap}, lake ${state.dir}; log ${logFile}. Stop it with \`firehose edge down\`.`);
}

/** Counts as they change: one live line on a terminal, a JSON line a second, a plain line every 5 s in a log. */
function showCounts(rt: Runtime, lab: EdgeLabHandle): () => void {
  const out = rt.out;
  const started = performance.now();
  const progress = new ProgressCounter(out, 'sensors', 'published');
  let last = '';
  const render = () => {
    const counts = lab.counts();
    if (out.interactive) return progress.update(counts.published, performance.now() - started, `→ ${hops(counts)}`);
    const key = JSON.stringify(counts);
    if (key === last) return;
    last = key;
    if (out.structured) out.data({ event: 'counts', ...counts });
    else out.info(`published ${formatCount(counts.published)} → ${hops(counts)}`);
  };
  const timer = setInterval(render, out.interactive ? 250 : out.structured ? 1000 : 5000);
  return () => {
    clearInterval(timer);
    progress.done();
  };
}

function upCommand(): Command<any, any, any> {
  const command = withStoreOptions(new Command('up'), 'go to')
    .description('Run seed 002\'s edge-to-core flow on this machine: sensors → MQTT → bridge → factory Kafka → mirror → central Kafka → data lake (a folder or an S3 bucket), with live counts per hop, until Ctrl-C (or --duration)')
    .option('--mqtt-port <port>', 'port of the MQTT broker on 127.0.0.1 (0 = any free)', DEFAULTS.mqttPort)
    .addOption(new Option('--factory-kafka-port <port>', 'port of the embedded factory Kafka (0 = any free)').default(DEFAULTS.factoryKafkaPort).conflicts('factoryBootstrap'))
    .addOption(new Option('--central-kafka-port <port>', 'port of the embedded central Kafka (0 = any free)').default(DEFAULTS.centralKafkaPort).conflicts('centralBootstrap'))
    .option('--factory-bootstrap <servers>', 'use this existing Kafka as the factory\'s instead of an embedded one')
    .option('--central-bootstrap <servers>', 'use this existing Kafka as the central one instead of an embedded one')
    .option('--create-bucket', 'with --bucket: make the bucket if it does not exist (s3cmd mb)')
    .option('--records <n>', 'records per lake object (s3.message.aggregation.count)', DEFAULTS.records)
    .option('--max-wait <duration>', 'store what a partition has after this long, even fewer records', DEFAULTS.maxWait)
    .option('--sensors <n>', 'how many sensors (temperature and vibration in turn, as `firehose sensors`)', DEFAULTS.sensors)
    .option('--rate <per-second>', 'readings per second, all sensors together (0 = as fast as MQTT takes them)', DEFAULTS.rate)
    .option('--count <n>', 'the sensors stop after this many readings; the rest keeps running (default: they do not stop)')
    .option('--duration <duration>', 'stop the whole lab after this long, exit 0 (for scripts; default: until Ctrl-C)')
    .option('--detach', 'run in the background; `firehose edge down` stops it')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      if (rt.flags.bootstrap !== undefined) {
        throw new UsageError('edge up has two Kafkas, not one: --bootstrap does not say which.', 'Give --factory-bootstrap and/or --central-bootstrap (each without it is an embedded broker).');
      }
      const lab = {
        mqttPort: parsePort(options.mqttPort, '--mqtt-port'),
        factoryPort: parsePort(options.factoryKafkaPort, '--factory-kafka-port'),
        centralPort: parsePort(options.centralKafkaPort, '--central-kafka-port'),
        records: parsePositiveInt(options.records, '--records'),
        maxWaitMs: parseDuration(options.maxWait, '--max-wait'),
        sensors: parsePositiveInt(options.sensors, '--sensors'),
        rate: parseNonNegativeNumber(options.rate, '--rate'),
        count: options.count === undefined ? undefined : parsePositiveInt(options.count, '--count'),
        durationMs: options.duration === undefined ? undefined : parseDuration(options.duration, '--duration'),
      };
      const { detachLab, refuseIfRunning } = await import('../../local/lab-process.js');
      if (options.detach) {
        const command = rt.relaunch((rt.io.argv ?? []).filter((a) => a !== '--detach'));
        const { state, logFile } = await detachLab<EdgeLabState>({ kind: EDGE_LAB, env: rt.env, command, timeoutMs: 60_000 });
        return printDetached(rt, state, logFile);
      }
      await refuseIfRunning({ kind: EDGE_LAB, env: rt.env });
      // --duration stops the lab like Ctrl-C, but it is not an interruption: exit 0.
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      rt.signal.addEventListener('abort', onInterrupt, { once: true });
      if (rt.signal.aborted) stop.abort();
      const timer = lab.durationMs === undefined ? undefined : setTimeout(() => stop.abort(), lab.durationMs);
      try {
        // withStoreOptions's flags (--dir, --bucket, ...): commander's typings do not follow a helper.
        await runEdgeLab(rt, { ...lab, options: options as typeof options & StoreFlags, signal: stop.signal });
      } finally {
        clearTimeout(timer);
        rt.signal.removeEventListener('abort', onInterrupt);
      }
    });
  command.addHelpText('after', FLOW_NOTES.trimEnd());
  return withExamples(command, [
    'firehose edge up                                   # MQTT :1883, factory Kafka :9092, central Kafka :9093, lake ./data-lake',
    'firehose edge up --detach && firehose edge down',
    'firehose edge up --mqtt-port 0 --factory-kafka-port 0 --central-kafka-port 0 --dir /tmp/lake --duration 30s',
    'firehose edge up --factory-bootstrap localhost:9092 --central-kafka-port 9093 --records 100 --rate 50',
    'firehose edge up --bucket manuela-data-lake --s3-endpoint http://127.0.0.1:7070 --create-bucket   # the lake in S3',
  ]);
}

/** The edge up flags, checked. */
interface EdgeUpFlags {
  mqttPort: number;
  factoryPort: number;
  centralPort: number;
  records: number;
  maxWaitMs: number;
  sensors: number;
  rate: number;
  count?: number;
  durationMs?: number;
  options: StoreFlags & { factoryBootstrap?: string; centralBootstrap?: string; createBucket?: true; duration?: string };
  signal: AbortSignal;
}

/** edge up in the foreground: start, record, show the counts, wait for the stop. */
async function runEdgeLab(rt: Runtime, lab: EdgeUpFlags): Promise<void> {
  const { options, signal } = lab;
  const { recordLab } = await import('../../local/lab-process.js');
  const target = storeTarget(options, rt, {}, Boolean(options.createBucket));
  const edge = await startEdgeLab({
    factory: options.factoryBootstrap !== undefined ? { bootstrap: options.factoryBootstrap, flag: '--factory-bootstrap' } : { port: lab.factoryPort, portFlag: '--factory-kafka-port', bootstrapFlag: '--factory-bootstrap' },
    central: options.centralBootstrap !== undefined ? { bootstrap: options.centralBootstrap, flag: '--central-bootstrap' } : { port: lab.centralPort, portFlag: '--central-kafka-port', bootstrapFlag: '--central-bootstrap' },
    mqtt: { port: lab.mqttPort, portFlag: '--mqtt-port' },
    lake: { target, credentials: s3Credentials(rt), dirFlag: '--dir', records: lab.records, maxWaitMs: lab.maxWaitMs },
    sensors: { sensors: lab.sensors, rate: lab.rate, count: lab.count },
    connect: (bootstrap) => rt.otherKafka({ bootstrap }),
    env: rt.env,
    log: rt.out.logger(),
    signal,
  }, (event) => printEvent(rt, event));
  const { done, counts: _counts, ...summary } = edge;
  if (rt.out.structured) rt.out.data({ event: 'up', ...summary });
  else {
    rt.out.info(`Edge lab up: ${lab.sensors} sensor${lab.sensors === 1 ? '' : 's'} → MQTT ${edge.mqttUrl} → factory Kafka ${edge.factory.bootstrap} → central Kafka ${edge.central.bootstrap} → lake ${edge.dir} (${edge.records} records an object). ${lab.durationMs === undefined ? 'Ctrl-C stops it.' : `It stops after ${options.duration}.`}`);
    rt.out.info(`From another terminal: firehose consume ${edge.mirrors[0]?.target} --from-beginning --bootstrap ${edge.central.bootstrap}; firehose lake ls ${storeFlags(target)}`);
  }
  const forget = await recordLab({ kind: EDGE_LAB, env: rt.env }, summary).catch((error: Error) => {
    rt.out.warn(`${error.message}: \`firehose edge down\` will not find this lab.`);
    return undefined;
  });
  const stopShowing = showCounts(rt, edge);
  try {
    const counts = await done;
    stopShowing(); // the live line goes before the last one
    if (rt.out.structured) rt.out.data({ event: 'stopped', ...counts });
    else rt.out.info(`Edge lab stopped: published ${formatCount(counts.published)} → ${hops(counts)} in ${edge.dir}.`);
  } finally {
    stopShowing();
    await forget?.();
  }
}

function downCommand(): Command<any, any, any> {
  const command = new Command('down')
    .description('Stop an edge lab started with `firehose edge up --detach`')
    .option('--timeout <duration>', 'how long to wait for it to stop', DEFAULTS.stopTimeout)
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const { stopLab } = await import('../../local/lab-process.js');
      const { pid } = await stopLab({ kind: EDGE_LAB, env: rt.env, timeoutMs });
      if (rt.out.structured) rt.out.data({ stopped: pid });
      else rt.out.line(`Stopped the edge lab (pid ${pid}).`);
    });
  return withExamples(command, ['firehose edge down', 'firehose edge down --timeout 60s']);
}

export function edgeCommand(): Command<any, any, any> {
  const edge = new Command('edge')
    .description('Seed 002\'s whole edge-to-core flow on this machine: sensors, MQTT, bridge, factory and central Kafka, mirror, data lake (up, down)')
    .addCommand(upCommand())
    .addCommand(downCommand());
  return withExamples(edge, ['firehose edge up', 'firehose edge up --detach', 'firehose edge down']);
}
