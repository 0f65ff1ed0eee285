// `firehose bridge mqtt` between a real Mosquitto (messages published with mosquitto_pub) and
// the suite's Kafka: routes from the seed's own ConfigMap, the MQTT topic in a header, and
// at-least-once with QoS 1: a bridge SIGKILLed mid-stream and started again loses nothing,
// against Mosquitto and against firehose's embedded broker; and the whole edge on one machine:
// `firehose sensors` → the embedded broker → the bridge → Kafka.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../support/build.js';
import { killAndRestart, runCli, startInProcess } from '../support/cli.js';
import { expectOk, firehose, jsonLines, newTopic, type RecordJson } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { startMqttBroker } from '../../src/edge/mqtt-broker.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';

const CONFIG_MAP = fileURLToPath(new URL('../fixtures/edge/mqtt2kafka-cm.yaml', import.meta.url));
let mosquitto: MosquittoHandle;
let persistence: string;

/** Publishes one QoS 1 message per payload with mosquitto_pub (one connection, -l reads lines). */
async function publish(port: number, topic: string, payloads: string[]): Promise<void> {
  const result = await execa('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-q', '1', '-l'], { input: `${payloads.join('\n')}\n`, reject: false });
  expect(result.exitCode, result.stderr).toBe(0);
}

/** Every record in a topic now (from the beginning, stopping at the end). */
async function recordsIn(topic: string): Promise<RecordJson[]> {
  const result = expectOk(await firehose(['consume', topic, '--from-beginning', '-e', '--format', 'json']));
  return jsonLines<RecordJson>(result.stdout);
}

const ids = (records: RecordJson[]) => records.map((r) => (JSON.parse(r.value!) as { id: string }).id);

beforeAll(async () => {
  persistence = await mkdtemp(join(tmpdir(), 'firehose-bridge-'));
  mosquitto = await startMosquitto({ persistenceDir: persistence });
});

afterAll(async () => {
  await mosquitto?.stop();
  await rm(persistence, { recursive: true, force: true });
});

describe('bridge mqtt', () => {
  it('routes as the seed\'s ConfigMap says (read from the file), each message once, with the MQTT topic header and a key from the payload', { timeout: 60_000 }, async () => {
    for (const topic of ['iot-sensor-sw-temperature', 'iot-sensor-sw-vibration']) {
      const created = await firehose(['create-topic', topic, '--partitions', '1']);
      expect(created.code, created.stderr).toBe(0);
    }
    const run = uniqueName('run');
    const bridge = startInProcess(['bridge', 'mqtt', '--config', CONFIG_MAP, '--mqtt', mosquitto.url, '--mqtt-client-id', run, '--key', 'json:sensor', '--count', '20', '--bootstrap', kafkaFromTests().bootstrap]);
    await waitFor(() => bridge.output.stderr.includes('Bridging') || bridge.output.stderr.includes('error'), { timeoutMs: 20_000, what: 'the bridge to subscribe' });
    expect(bridge.output.stderr).toMatch(new RegExp(String.raw`Bridging mqtt:\/\/127\.0\.0\.1:\d+ → Kafka \(iot-sensor\/sw\/temperature → iot-sensor-sw-temperature, iot-sensor\/sw\/vibration → iot-sensor-sw-vibration\) as client ${run}, persistent session, QoS 1`));
    const payloads = (type: string) => Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `${run}-${type}-${i}`, sensor: `${type}-1`, value: i }));
    await publish(mosquitto.port, 'iot-sensor/sw/temperature', payloads('temperature'));
    await publish(mosquitto.port, 'iot-sensor/sw/vibration', payloads('vibration'));
    expect(await bridge.exit).toBe(0);
    expect(bridge.output.stderr).toContain('Forwarded 20 messages to Kafka.');
    for (const type of ['temperature', 'vibration']) {
      const ours = (await recordsIn(`iot-sensor-sw-${type}`)).filter((r) => r.value?.includes(run));
      expect(ids(ours)).toEqual(payloads(type).map((p) => (JSON.parse(p) as { id: string }).id));
      for (const record of ours) {
        expect(record.headers).toEqual({ mqtt_topic: `iot-sensor/sw/${type}` });
        expect(record.key).toBe(`${type}-1`);
      }
    }
  });

  it('bad input: one line each, no hang', { timeout: 60_000 }, async () => {
    const topic = await newTopic('bridge-bad', 1);
    const bootstrap = ['--bootstrap', kafkaFromTests().bootstrap];
    const unreachable = await runCli(['bridge', 'mqtt', '--map', `a/b=${topic}`, '--mqtt', 'mqtt://127.0.0.1:1', ...bootstrap]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: Cannot reach the MQTT broker at mqtt:\/\/127\.0\.0\.1:1: connection refused\.\nhint: Start one with `firehose mqtt start`/);
    const noTopic = await runCli(['bridge', 'mqtt', '--map', 'a/b=no-such-topic-here', '--mqtt', mosquitto.url, ...bootstrap]);
    expect(noTopic.code).not.toBe(0);
    expect(noTopic.stderr).toMatch(/no-such-topic-here/);
    expect(noTopic.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    const noProperties = await runCli(['bridge', 'mqtt', '--config', fileURLToPath(new URL('../fixtures/edge/README.md', import.meta.url)), ...bootstrap]);
    expect(noProperties.code).toBe(2);
    expect(noProperties.stderr).toMatch(/README\.md: (not valid YAML|no data\."application\.properties" in it)/);
    const badMap = await runCli(['bridge', 'mqtt', '--map', 'a/#/b=t', ...bootstrap]);
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toMatch(/"a\/#\/b" is not an MQTT topic filter/);
    const password = await runCli(['bridge', 'mqtt', '--map', `a/b=${topic}`, '--mqtt', mosquitto.url, '--mqtt-username', 'alice', ...bootstrap]);
    expect(password.code).toBe(2);
    expect(password.stderr).toMatch(/MQTT password for alice is needed and this shell cannot prompt for it\.\nhint: Set FIREHOSE_MQTT_PASSWORD/);
  });

  it('bad credentials against a Mosquitto that requires a user: one line', { timeout: 30_000 }, async () => {
    const secured = await startMosquitto({ user: { username: 'alice', password: 'right-one' } });
    try {
      const topic = await newTopic('bridge-auth', 1);
      const result = await runCli(['bridge', 'mqtt', '--map', `a/b=${topic}`, '--mqtt', secured.url, '--mqtt-username', 'alice', '--bootstrap', kafkaFromTests().bootstrap], { env: { FIREHOSE_MQTT_PASSWORD: 'wrong-one' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: The MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ refused the credentials of alice: .*\nhint: Check --mqtt-username and FIREHOSE_MQTT_PASSWORD\.\n$/);
      expect(result.stderr).not.toContain('wrong-one');
    } finally {
      await secured.stop();
    }
  });
});

describe('sensors → firehose\'s embedded MQTT broker → bridge → Kafka', () => {
  it('every QoS 1 reading arrives once, on the Kafka topic its MQTT topic maps to, with the MQTT topic header', { timeout: 60_000 }, async () => {
    const broker = await startMqttBroker({ port: 0 });
    try {
      const temperature = await newTopic('edge-temperature', 1);
      const vibration = await newTopic('edge-vibration', 1);
      const count = 200;
      const bridge = startInProcess(['bridge', 'mqtt', '--map', `iot-sensor/sw/temperature=${temperature}`, '--map', `iot-sensor/sw/vibration=${vibration}`,
        '--mqtt', broker.url, '--mqtt-client-id', uniqueName('edge'), '--count', String(count), '--bootstrap', kafkaFromTests().bootstrap]);
      await waitFor(() => bridge.output.stderr.includes('Bridging') || bridge.output.stderr.includes('error'), { timeoutMs: 20_000, what: 'the bridge to subscribe' });
      const sensors = await runCli(['sensors', '--count', String(count), '--rate', '0', '--mqtt', broker.url]);
      expect(sensors.code, sensors.stderr).toBe(0);
      expect(await bridge.exit).toBe(0);
      const all = [...await recordsIn(temperature), ...await recordsIn(vibration)];
      expect(all).toHaveLength(count);
      expect(new Set(ids(all)).size).toBe(count);
      for (const r of await recordsIn(temperature)) expect(r.headers).toEqual({ mqtt_topic: 'iot-sensor/sw/temperature' });
      for (const r of await recordsIn(vibration)) expect((JSON.parse(r.value!) as { type: string }).type).toBe('vibration');
    } finally {
      await broker.close();
    }
  });
});

describe('bridge mqtt, SIGKILLed mid-stream (QoS 1, persistent session)', () => {
  let embedded: Awaited<ReturnType<typeof startMqttBroker>>;
  beforeAll(async () => {
    await buildCli();
    embedded = await startMqttBroker({ port: 0 });
  });
  afterAll(async () => { await embedded?.close(); });

  const brokers = [
    { name: 'Mosquitto (persistence on)', broker: () => ({ url: mosquitto.url, port: mosquitto.port }) },
    { name: 'firehose\'s embedded broker (aedes, sessions in memory)', broker: () => ({ url: embedded.url, port: embedded.port }) },
  ];
  for (const { name, broker } of brokers) it(`${name}: loses nothing: every message is in Kafka after a restart; duplicates are counted`, { timeout: 120_000 }, async () => {
    const { url, port } = broker();
    const topic = await newTopic('bridge-kill', 3);
    const client = uniqueName('bridge-kill');
    const argv = ['bridge', 'mqtt', '--map', `factory/+/readings=${topic}`, '--mqtt', url, '--mqtt-client-id', client, '--bootstrap', kafkaFromTests().bootstrap];
    const total = 3000;
    const payloads = Array.from({ length: total }, (_, i) => JSON.stringify({ id: `m-${i}`, value: i }));
    let beforeKill = 0;
    let publishing: Promise<void> | undefined;
    const output = await killAndRestart(argv, {
      upText: 'Bridging',
      killWhen: async () => {
        publishing ??= publish(port, 'factory/line-1/readings', payloads);
        return (await recordsIn(topic)).length >= 200;
      },
      afterKill: async () => {
        beforeKill = new Set(ids(await recordsIn(topic))).size;
        await publishing;
      },
      doneWhen: async () => new Set(ids(await recordsIn(topic))).size >= total,
      what: `all ${total} messages in Kafka`,
    });
    const records = await recordsIn(topic);
    const distinct = new Set(ids(records));
    expect([...distinct].sort()).toEqual(payloads.map((p) => (JSON.parse(p) as { id: string }).id).sort());
    const duplicates = records.length - distinct.size;
    // Reported, not asserted to be zero: what Kafka had but MQTT had not been told comes again.
    console.log(`${name}: bridge SIGKILLed with ${beforeKill} in Kafka: ${records.length} records for ${total} messages, ${duplicates} duplicates`);
    expect(output.second).toMatch(/Forwarded \d+ messages? to Kafka/);
  });
});
