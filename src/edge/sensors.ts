/**
 * Simulated factory sensors (seed 002's edge): temperature and vibration readings published
 * to the MANUela topics iot-sensor/sw/temperature and iot-sensor/sw/vibration, paced to a
 * total rate, with QoS 1 acknowledged one by one (a bounded number in flight) so that a run
 * that ends with `count` readings means the broker has them all.
 */
import type { MqttClient } from 'mqtt';
import { FirehoseError } from '../errors.js';
import { connectMqtt, type MqttDeps, type MqttSettings } from './mqtt.js';

export type SensorKind = 'temperature' | 'vibration';

/**
 * json: one JSON object per reading (id, sensor, type, value, unit, timestamp).
 * manuela: MANUela's software sensor's CSV, `<machineId>,<deviceId>,<value>,<epochMillis>`,
 * which its iot-consumer splits on commas (field 3 is the value); it carries no message id.
 */
export type SensorFormat = 'json' | 'manuela';

export const SENSOR_FORMATS: readonly SensorFormat[] = ['json', 'manuela'];

/** The MQTT topic of each kind (seed 002's mqtt2kafka ConfigMap, MANUela's sensors). */
export const SENSOR_TOPICS: Readonly<Record<SensorKind, string>> = {
  temperature: 'iot-sensor/sw/temperature',
  vibration: 'iot-sensor/sw/vibration',
};

const UNITS: Readonly<Record<SensorKind, string>> = { temperature: 'C', vibration: 'mm/s' };

/** Where each kind's random walk stays, where it starts and its largest step. */
const WALKS: Readonly<Record<SensorKind, { min: number; max: number; start: [number, number]; step: number }>> = {
  temperature: { min: 20, max: 80, start: [40, 60], step: 0.5 },
  vibration: { min: 0, max: 10, start: [2, 4], step: 0.2 },
};

export interface Sensor {
  /** `<machine>-<device>`, e.g. floor-1-line-1-extruder-1-temperature-1. */
  id: string;
  machine: string;
  device: string;
  kind: SensorKind;
  topic: string;
}

export interface SensorReading {
  sensor: Sensor;
  /** 1, 2, ... per sensor. */
  seq: number;
  value: number;
  time: Date;
}

export interface SensorsOptions {
  mqtt: MqttSettings;
  /** 1: each reading acknowledged by the broker (PUBACK); 0: fire and forget. */
  qos: 0 | 1;
  /** How many sensors: machine k has temperature-1 and vibration-1, so 2 is one machine with both. */
  sensors: number;
  /** Readings per second, all sensors together; 0 = as fast as the broker takes them. */
  rate: number;
  /** Stop after this many readings; undefined = until `signal` aborts. */
  count?: number;
  format: SensorFormat;
  /** Most readings published but not yet acknowledged. Default 100. */
  maxInFlight?: number;
  /** How long to wait for outstanding acknowledgements at the end. Default 10 s. */
  drainTimeoutMs?: number;
  signal: AbortSignal;
  /** Random numbers in [0, 1) for the walks (tests pass a seeded one). */
  random?: () => number;
}

export interface SensorsProgress {
  /** Readings the broker has (QoS 1) or that were written (QoS 0). */
  published: number;
  elapsedMs: number;
  /** The reading just published, for --verbose. */
  topic: string;
  payload: string;
}

export interface SensorsResult {
  published: number;
  url: string;
  qos: 0 | 1;
  sensors: string[];
  elapsedMs: number;
  /** Stopped by the signal (Ctrl-C) before `count`. */
  interrupted: boolean;
}

/** The sensors of a run: machine k (floor-1-line-1-extruder-k) has temperature-1, then vibration-1. */
export function sensorsOf(n: number): Sensor[] {
  return Array.from({ length: n }, (_, i) => {
    const machine = `floor-1-line-1-extruder-${Math.floor(i / 2) + 1}`;
    const kind: SensorKind = i % 2 === 0 ? 'temperature' : 'vibration';
    const device = `${kind}-1`;
    return { id: `${machine}-${device}`, machine, device, kind, topic: SENSOR_TOPICS[kind] };
  });
}

/** A plausible reading: a bounded random walk per sensor, two decimals. */
export function createWalk(kind: SensorKind, random: () => number): () => number {
  const walk = WALKS[kind];
  let value = walk.start[0] + random() * (walk.start[1] - walk.start[0]);
  return () => {
    value += (random() * 2 - 1) * walk.step;
    // Reflect at the edges so the walk stays in its range.
    if (value < walk.min) value = 2 * walk.min - value;
    if (value > walk.max) value = 2 * walk.max - value;
    return Math.round(value * 100) / 100;
  };
}

/** The payload of one reading in `format`. */
export function formatReading(reading: SensorReading, format: SensorFormat): string {
  const { sensor } = reading;
  if (format === 'manuela') return `${sensor.machine},${sensor.device},${reading.value},${reading.time.getTime()}`;
  return JSON.stringify({
    id: `${sensor.id}-${reading.seq}`,
    sensor: sensor.id,
    type: sensor.kind,
    value: reading.value,
    unit: UNITS[sensor.kind],
    timestamp: reading.time.toISOString(),
  });
}

/**
 * Connects, publishes until `count` readings are acknowledged or the signal aborts, and
 * disconnects. A connection that drops or a broker that stops acknowledging is a one-line
 * FirehoseError saying how many readings made it.
 */
export async function runSensors(options: SensorsOptions, deps: MqttDeps, onProgress: (progress: SensorsProgress) => void = () => {}): Promise<SensorsResult> {
  const random = options.random ?? Math.random;
  const sensors = sensorsOf(options.sensors);
  const walks = sensors.map((sensor) => createWalk(sensor.kind, random));
  const seqs = sensors.map(() => 0);
  const maxInFlight = options.maxInFlight ?? 100;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const { signal } = options;

  const client: MqttClient = await connectMqtt(options.mqtt, deps);
  const started = performance.now();
  let sent = 0;
  let published = 0;
  let failure: FirehoseError | undefined;
  let ending = false;
  // One waiter at a time: the loop below waits for an acknowledgement, a failure or Ctrl-C.
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const changed = () => new Promise<void>((resolve) => { wake = resolve; });
  const fail = (error: FirehoseError) => {
    failure ??= error;
    notify();
  };
  const lost = (why: string) => new FirehoseError('MQTT_UNREACHABLE', `${why} after ${published} of ${sent} readings were acknowledged.`, {
    hint: 'Check that the MQTT broker still runs (--mqtt); readings not acknowledged may or may not have arrived.',
  });
  client.on('close', () => { if (!ending) fail(lost(`The MQTT broker at ${options.mqtt.url} closed the connection`)); });
  client.on('error', (error) => {
    if (ending) return;
    // A reset is the broker closing on us too (it went away mid-write): say it the same way.
    const code = (error as NodeJS.ErrnoException).code;
    const closed = code === 'ECONNRESET' || code === 'EPIPE';
    fail(lost(closed ? `The MQTT broker at ${options.mqtt.url} closed the connection` : `The MQTT connection to ${options.mqtt.url} failed (${error.message})`));
  });
  signal.addEventListener('abort', notify, { once: true });

  const publishOne = () => {
    const index = sent % sensors.length;
    const sensor = sensors[index]!;
    const reading: SensorReading = { sensor, seq: ++seqs[index]!, value: walks[index]!(), time: new Date() };
    const payload = formatReading(reading, options.format);
    sent++;
    client.publish(sensor.topic, payload, { qos: options.qos }, (error) => {
      if (error) return fail(lost(`Publishing to ${options.mqtt.url} failed (${error.message})`));
      published++;
      onProgress({ published, elapsedMs: performance.now() - started, topic: sensor.topic, payload });
      notify();
    });
  };

  try {
    while (!signal.aborted && (options.count === undefined || sent < options.count)) {
      if (failure) throw failure;
      if (sent - published >= maxInFlight) {
        await changed();
        continue;
      }
      if (options.rate > 0) {
        const due = started + (sent * 1000) / options.rate;
        const wait = due - performance.now();
        if (wait > 0) {
          // Woken early by a failure or Ctrl-C too.
          const timer = setTimeout(notify, wait);
          await changed();
          clearTimeout(timer);
          continue;
        }
      }
      publishOne();
      // Let the socket and the acknowledgements through now and then when there is no pause.
      if (options.rate === 0 && sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // What was sent must be acknowledged (also after Ctrl-C), within a deadline.
    const deadline = performance.now() + drainTimeoutMs;
    while (published < sent && !failure) {
      const left = deadline - performance.now();
      if (left <= 0) throw new FirehoseError('MQTT_UNREACHABLE', `The MQTT broker at ${options.mqtt.url} did not acknowledge ${sent - published} of ${sent} readings within ${Math.round(drainTimeoutMs / 1000)} s.`, { hint: 'Check that the MQTT broker still runs (--mqtt).' });
      const timer = setTimeout(notify, left);
      await changed();
      clearTimeout(timer);
    }
    if (failure) throw failure;
  } finally {
    ending = true;
    signal.removeEventListener('abort', notify);
    await new Promise<void>((resolve) => client.end(Boolean(failure), {}, () => resolve()));
  }
  return {
    published,
    url: options.mqtt.url,
    qos: options.qos,
    sensors: sensors.map((s) => s.id),
    elapsedMs: performance.now() - started,
    interrupted: signal.aborted && (options.count === undefined || published < options.count),
  };
}
