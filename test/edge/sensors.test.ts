// `firehose sensors`: what a real subscriber (mosquitto_sub) sees of what it publishes, to
// firehose's embedded broker and to a real Mosquitto with a user; bad credentials and an
// unreachable broker are one line, fast; Ctrl-C stops with 130 after a summary.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqttBroker, type MqttBroker } from '../../src/edge/mqtt-broker.js';
import { createWalk, formatReading, sensorsOf } from '../../src/edge/sensors.js';
import { runCli, startInProcess } from '../support/cli.js';
import { freePorts } from '../support/kafka.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';

interface Reading { id: string; sensor: string; type: string; value: number; unit: string; timestamp: string }

/**
 * mosquitto_sub on `port` for iot-sensor/# that exits after `count` messages; `ready` resolves
 * once the broker has acknowledged the subscription (-d prints the SUBACK).
 */
function subscribe(port: number, count: number, extra: string[] = []) {
  // stdbuf: mosquitto_sub's debug lines (the SUBACK) would sit in its stdout buffer on a pipe.
  const child = execa('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-t', 'iot-sensor/#', '-q', '1', '-v', '-d', '-C', String(count), ...extra], { reject: false, timeout: 30_000 });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  const messages = () => stdout.split('\n').filter((l) => l.startsWith('iot-sensor/')).map((l) => {
    const space = l.indexOf(' ');
    return { topic: l.slice(0, space), payload: l.slice(space + 1) };
  });
  const ready = waitFor(() => /received SUBACK/.test(stdout) || child.exitCode !== null, { timeoutMs: 10_000, what: 'mosquitto_sub to subscribe' });
  return { child, messages, ready, output: () => stdout };
}

describe('sensor readings (unit)', () => {
  it('sensors alternate temperature and vibration, one machine per pair, on the seed\'s topics', () => {
    expect(sensorsOf(3)).toEqual([
      { id: 'floor-1-line-1-extruder-1-temperature-1', machine: 'floor-1-line-1-extruder-1', device: 'temperature-1', kind: 'temperature', topic: 'iot-sensor/sw/temperature' },
      { id: 'floor-1-line-1-extruder-1-vibration-1', machine: 'floor-1-line-1-extruder-1', device: 'vibration-1', kind: 'vibration', topic: 'iot-sensor/sw/vibration' },
      { id: 'floor-1-line-1-extruder-2-temperature-1', machine: 'floor-1-line-1-extruder-2', device: 'temperature-1', kind: 'temperature', topic: 'iot-sensor/sw/temperature' },
    ]);
  });

  it('the random walks stay in range and move in small steps', () => {
    for (const [kind, min, max, step] of [['temperature', 20, 80, 0.5], ['vibration', 0, 10, 0.2]] as const) {
      // Extreme random numbers push each walk against its edges.
      for (const random of [() => 0, () => 0.999999, Math.random]) {
        const next = createWalk(kind, random);
        const values = Array.from({ length: 5000 }, () => next());
        expect(values.filter((v) => v < min || v > max), kind).toEqual([]);
        expect(values.slice(1).filter((v, i) => Math.abs(v - values[i]!) > step + 0.011), kind).toEqual([]);
      }
    }
  });

  it('json and manuela payloads', () => {
    const [sensor] = sensorsOf(1);
    const reading = { sensor: sensor!, seq: 7, value: 45.27, time: new Date('2024-05-01T12:00:00.000Z') };
    expect(JSON.parse(formatReading(reading, 'json'))).toEqual({ id: 'floor-1-line-1-extruder-1-temperature-1-7', sensor: 'floor-1-line-1-extruder-1-temperature-1', type: 'temperature', value: 45.27, unit: 'C', timestamp: '2024-05-01T12:00:00.000Z' });
    expect(formatReading(reading, 'manuela')).toBe('floor-1-line-1-extruder-1,temperature-1,45.27,1714564800000');
  });
});

describe('firehose sensors → firehose mqtt start\'s broker', () => {
  let broker: MqttBroker;
  beforeAll(async () => { broker = await startMqttBroker({ port: 0 }); });
  afterAll(async () => { await broker?.close(); });

  it('mosquitto_sub sees exactly the --count readings, QoS 1, JSON with unique ids', async () => {
    const sub = subscribe(broker.port, 10);
    await sub.ready;
    const result = await runCli(['sensors', '--mqtt', broker.url, '--count', '10', '--qos', '1', '--rate', '0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(`Published 10 readings to ${broker.url} (QoS 1).\n`);
    expect(result.stdout).toBe('');
    expect((await sub.child).exitCode, sub.output()).toBe(0);
    const messages = sub.messages();
    expect(messages).toHaveLength(10);
    const readings = messages.map((m) => ({ topic: m.topic, reading: JSON.parse(m.payload) as Reading }));
    expect(new Set(readings.map((r) => r.reading.id)).size).toBe(10);
    for (const { topic, reading } of readings) {
      expect(Object.keys(reading)).toEqual(['id', 'sensor', 'type', 'value', 'unit', 'timestamp']);
      expect(topic).toBe(`iot-sensor/sw/${reading.type}`);
      expect(reading.id).toMatch(new RegExp(`^${reading.sensor}-\\d+$`));
      expect(reading.sensor).toMatch(/^floor-1-line-1-extruder-1-(temperature|vibration)-1$/);
      expect(new Date(reading.timestamp).toISOString()).toBe(reading.timestamp);
      if (reading.type === 'temperature') {
        expect(reading.unit).toBe('C');
        expect(reading.value).toBeGreaterThanOrEqual(20);
        expect(reading.value).toBeLessThanOrEqual(80);
      } else {
        expect(reading).toMatchObject({ type: 'vibration', unit: 'mm/s' });
        expect(reading.value).toBeGreaterThanOrEqual(0);
        expect(reading.value).toBeLessThanOrEqual(10);
      }
    }
    expect(readings.filter((r) => r.reading.type === 'temperature')).toHaveLength(5);
  });

  it('--format manuela: MANUela\'s CSV lines; -o json: a JSON summary line', async () => {
    const sub = subscribe(broker.port, 6);
    await sub.ready;
    const result = await runCli(['sensors', '--mqtt', broker.url, '--count', '6', '--rate', '0', '--format', 'manuela', '--sensors', '3', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ event: 'done', published: 6, url: broker.url, qos: 1, sensors: ['floor-1-line-1-extruder-1-temperature-1', 'floor-1-line-1-extruder-1-vibration-1', 'floor-1-line-1-extruder-2-temperature-1'], elapsedMs: expect.any(Number), interrupted: false });
    expect(result.stderr).toBe('');
    expect((await sub.child).exitCode, sub.output()).toBe(0);
    const messages = sub.messages();
    expect(messages).toHaveLength(6);
    for (const { payload } of messages) expect(payload).toMatch(/^floor-1-line-1-extruder-\d+,(temperature|vibration)-1,\d+(\.\d+)?,\d{13}$/);
    expect(messages.map((m) => m.payload.split(',').slice(0, 2).join(','))).toEqual([
      'floor-1-line-1-extruder-1,temperature-1', 'floor-1-line-1-extruder-1,vibration-1', 'floor-1-line-1-extruder-2,temperature-1',
      'floor-1-line-1-extruder-1,temperature-1', 'floor-1-line-1-extruder-1,vibration-1', 'floor-1-line-1-extruder-2,temperature-1',
    ]);
  });

  it('--rate paces the readings; Ctrl-C stops with 130 after the summary', async () => {
    const sub = subscribe(broker.port, 1000);
    await sub.ready;
    const run = startInProcess(['sensors', '--mqtt', broker.url, '--rate', '20']);
    const started = Date.now();
    try {
      await waitFor(() => sub.messages().length >= 5, { timeoutMs: 10_000, what: 'five readings' });
      // 20 per second: five readings take at least 200 ms (the first goes at once).
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      expect(await run.stop()).toBe(130);
      sub.child.kill();
    }
    const summary = /^Published (\d+) readings to mqtt:\/\/127\.0\.0\.1:\d+ \(QoS 1\)\.$/m.exec(run.output.stderr);
    expect(summary, run.output.stderr).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(5);
  });
});

describe('firehose sensors, the broker gone mid-run', () => {
  it('one line saying how many readings were acknowledged, no hang', async () => {
    const broker = await startMqttBroker({ port: 0 });
    const sub = subscribe(broker.port, 1000);
    await sub.ready;
    const run = startInProcess(['sensors', '--mqtt', broker.url, '--rate', '200']);
    try {
      await waitFor(() => sub.messages().length >= 3, { timeoutMs: 10_000, what: 'readings before the broker goes' });
    } finally {
      await broker.close();
      sub.child.kill();
    }
    // The deadline only turns a hang into a readable failure.
    const code = await Promise.race([run.exit, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after the broker went'), 10_000))]);
    expect(code, run.output.stderr).toBe(1);
    expect(run.output.stderr).toMatch(new RegExp(`^error: The MQTT broker at ${broker.url} closed the connection after \\d+ of \\d+ readings were acknowledged\\.\\nhint: Check that the MQTT broker still runs \\(--mqtt\\); readings not acknowledged may or may not have arrived\\.\\n$`));
  });
});

describe('firehose sensors → a real Mosquitto with a user', () => {
  let mosquitto: MosquittoHandle;
  beforeAll(async () => { mosquitto = await startMosquitto({ user: { username: 'iotuser', password: 'factory-pw' } }); });
  afterAll(async () => { await mosquitto?.stop(); });

  it('the right password from FIREHOSE_MQTT_PASSWORD: every reading arrives', async () => {
    const sub = subscribe(mosquitto.port, 4, ['-u', 'iotuser', '-P', 'factory-pw']);
    await sub.ready;
    for (const version of ['4', '5']) {
      const result = await runCli(['sensors', '--mqtt', mosquitto.url, '--mqtt-username', 'iotuser', '--mqtt-version', version, '--count', '2', '--rate', '0'], { env: { FIREHOSE_MQTT_PASSWORD: 'factory-pw' } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe(`Published 2 readings to ${mosquitto.url} (QoS 1).\n`);
    }
    expect((await sub.child).exitCode, sub.output()).toBe(0);
    expect(sub.messages().map((m) => m.topic)).toEqual(['iot-sensor/sw/temperature', 'iot-sensor/sw/vibration', 'iot-sensor/sw/temperature', 'iot-sensor/sw/vibration']);
  });

  it('a wrong password: exit 1, one line (MQTT_AUTH_FAILED)', async () => {
    const result = await runCli(['sensors', '--mqtt', mosquitto.url, '--mqtt-username', 'iotuser', '--count', '2', '-o', 'json'], { env: { FIREHOSE_MQTT_PASSWORD: 'wrong' } });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'MQTT_AUTH_FAILED' } });
    const text = await runCli(['sensors', '--mqtt', mosquitto.url, '--mqtt-username', 'iotuser', '--count', '2'], { env: { FIREHOSE_MQTT_PASSWORD: 'wrong' } });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(new RegExp(`^error: The MQTT broker at ${mosquitto.url} refused the credentials of iotuser: [^\\n]+\\.\\nhint: Check --mqtt-username and FIREHOSE_MQTT_PASSWORD\\.\\n$`));
  });

  it('no broker on the port: one line, fast', async () => {
    const [port] = await freePorts(1);
    const started = Date.now();
    const result = await runCli(['sensors', '--mqtt', `mqtt://127.0.0.1:${port}`, '--count', '1']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: Cannot reach the MQTT broker at mqtt://127.0.0.1:${port}: connection refused.\nhint: Start one with \`firehose mqtt start\`, or give its address with --mqtt.\n`);
  });
});
