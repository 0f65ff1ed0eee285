// firehose's embedded MQTT broker (aedes, `firehose mqtt start`) with real MQTT clients:
// Mosquitto's mosquitto_pub / mosquitto_sub and MQTT.js. QoS 1 end to end, a persistent
// session that gets what was published while it was away, credentials, MQTT 5 refused with
// one line, the command itself (listening line, taken port, Ctrl-C), and TLS (mqtts://).
import { execa } from 'execa';
import mqtt from 'mqtt';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMqttBroker, type MqttBroker } from '../../src/edge/mqtt-broker.js';
import { runCli, startInProcess } from '../support/cli.js';
import { generateTls } from '../support/kafka.js';
import { uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const brokers: MqttBroker[] = [];
const clients: mqtt.MqttClient[] = [];

async function broker(options: Parameters<typeof startMqttBroker>[0] = {}): Promise<MqttBroker> {
  const started = await startMqttBroker({ port: 0, ...options });
  brokers.push(started);
  return started;
}

/** An MQTT.js client (3.1.1) that records what it receives. */
async function client(url: string, options: mqtt.IClientOptions = {}) {
  const received: Array<{ topic: string; payload: string }> = [];
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  c.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  clients.push(c);
  return { c, received };
}

async function mosquittoPub(port: number, topic: string, lines: string[], extra: string[] = []) {
  return execa('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-q', '1', '-l', ...extra], { input: `${lines.join('\n')}\n`, reject: false, timeout: 10_000 });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

describe('embedded MQTT broker (startMqttBroker)', () => {
  it('mosquitto_pub -q 1 → the broker → an MQTT.js subscriber, in order', async () => {
    const b = await broker();
    expect(b.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const topic = `firehose-test/${uniqueName('pub')}`;
    const sub = await client(b.url);
    await sub.c.subscribeAsync(topic, { qos: 1 });
    const lines = Array.from({ length: 5 }, (_, i) => `reading ${i}`);
    const pub = await mosquittoPub(b.port, topic, lines);
    expect(pub.exitCode, pub.stderr).toBe(0);
    await waitFor(() => sub.received.length >= 5, { timeoutMs: 10_000, what: 'five messages at the subscriber' });
    expect(sub.received).toEqual(lines.map((payload) => ({ topic, payload })));
  });

  it('a persistent session (clean=false, QoS 1) gets what was published while it was disconnected', async () => {
    const b = await broker();
    const topic = `firehose-test/${uniqueName('session')}`;
    const clientId = uniqueName('session');
    const first = await client(b.url, { clientId, clean: false });
    await first.c.subscribeAsync(topic, { qos: 1 });
    await first.c.endAsync();
    const lines = Array.from({ length: 10 }, (_, i) => `queued ${i}`);
    const pub = await mosquittoPub(b.port, topic, lines);
    expect(pub.exitCode, pub.stderr).toBe(0);
    const back = await client(b.url, { clientId, clean: false });
    expect(back.c.connected).toBe(true);
    await waitFor(() => back.received.length >= 10, { timeoutMs: 10_000, what: 'the queued messages after reconnecting' });
    expect(back.received.map((m) => m.payload)).toEqual(lines);
  });

  it('with a user: the right password is let in, a wrong one or none refused (CONNACK 4)', async () => {
    const b = await broker({ username: 'iotuser', password: 's3cret' });
    const topic = `firehose-test/${uniqueName('auth')}`;
    const sub = await client(b.url, { username: 'iotuser', password: 's3cret' });
    await sub.c.subscribeAsync(topic, { qos: 1 });
    const ok = await mosquittoPub(b.port, topic, ['hello'], ['-u', 'iotuser', '-P', 's3cret']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    await waitFor(() => sub.received.length === 1, { timeoutMs: 10_000, what: 'the message of the right user' });
    for (const extra of [['-u', 'iotuser', '-P', 'wrong'], ['-u', 'someone', '-P', 's3cret'], []]) {
      const refused = await mosquittoPub(b.port, topic, ['intruder'], extra);
      expect(refused.exitCode, extra.join(' ')).not.toBe(0);
      expect(refused.stderr, extra.join(' ')).toMatch(/not authori[sz]ed|bad user ?name or password/i);
    }
    expect(sub.received.map((m) => m.payload)).toEqual(['hello']);
  });

  it('an MQTT 5 client is refused at once with a clear error (aedes speaks 3.1.1), not left hanging', async () => {
    const warnings: string[] = [];
    const b = await broker({ log: { debug() {}, info() {}, warn: (m) => warnings.push(m) } });
    const started = Date.now();
    const result = await runCli(['sensors', '--mqtt', b.url, '--mqtt-version', '5', '--count', '1']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: The MQTT broker at ${b.url} does not accept MQTT 5 clients.\nhint: Use --mqtt-version 4 (firehose mqtt start speaks MQTT 3.1.1 only; Mosquitto speaks both).\n`);
    expect(warnings.join('\n')).toMatch(/speaks MQTT 5, which this broker \(aedes\) does not: refused/);
    const sub = await execa('mosquitto_sub', ['-V', '5', '-h', '127.0.0.1', '-p', String(b.port), '-t', 'x', '-C', '1'], { reject: false, timeout: 10_000 });
    expect(sub.exitCode).not.toBe(0);
    expect(sub.stderr).toMatch(/Unsupported Protocol Version/i);
  });
});

describe('firehose mqtt start', () => {
  let busy: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (busy ? busy.close(() => resolve()) : resolve())));

  it('prints where it listens (text and JSON), serves clients, and Ctrl-C stops it with 130', async () => {
    const run = startInProcess(['mqtt', 'start', '--port', '0']);
    try {
      const listening = await waitFor(() => /^MQTT broker listening on (127\.0\.0\.1:\d+) \(MQTT 3\.1\.1, sessions in memory\)\. Ctrl-C stops it\.$/m.exec(run.output.stderr), { timeoutMs: 10_000, what: 'the listening line' });
      const port = Number(listening[1]!.split(':')[1]);
      const topic = `firehose-test/${uniqueName('cli')}`;
      const sub = await client(`mqtt://127.0.0.1:${port}`);
      await sub.c.subscribeAsync(topic, { qos: 1 });
      expect((await mosquittoPub(port, topic, ['via the command'])).exitCode).toBe(0);
      await waitFor(() => sub.received.length === 1, { timeoutMs: 10_000, what: 'the message through mqtt start' });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    expect(run.output.stderr).toMatch(/MQTT broker stopped\.\n$/);
    const json = startInProcess(['mqtt', 'start', '--port', '0', '-o', 'json']);
    await waitFor(() => json.output.stdout.includes('\n'), { timeoutMs: 10_000, what: 'the JSON listening line' });
    expect(await json.stop()).toBe(130);
    const lines = json.output.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ event: 'listening', url: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/) });
    expect(lines[1]).toEqual({ event: 'stopped' });
    expect(json.output.stderr).toBe('');
  });

  it('a taken port: one line, and the hint names --port', async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy!.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const result = await runCli(['mqtt', 'start', '--port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: Port ${port} on 127.0.0.1 is already in use.\nhint: If an MQTT broker (Mosquitto, or another firehose mqtt start) runs there, use that one; otherwise pick another --port (0 = any free port).\n`);
  });

  it('--username: the password comes from the environment; clients without it are refused', async () => {
    const run = startInProcess(['mqtt', 'start', '--port', '0', '--username', 'iotuser'], { env: { FIREHOSE_MQTT_PASSWORD: 'pw-1' } });
    try {
      const listening = await waitFor(() => /listening on 127\.0\.0\.1:(\d+) \(MQTT 3\.1\.1, sessions in memory, user iotuser\)/.exec(run.output.stderr), { timeoutMs: 10_000, what: 'the listening line' });
      const url = `mqtt://127.0.0.1:${listening[1]}`;
      const good = await runCli(['sensors', '--mqtt', url, '--mqtt-username', 'iotuser', '--count', '2', '--rate', '0'], { env: { FIREHOSE_MQTT_PASSWORD: 'pw-1' } });
      expect(good.code, good.stderr).toBe(0);
      const bad = await runCli(['sensors', '--mqtt', url, '--mqtt-username', 'iotuser', '--count', '2'], { env: { FIREHOSE_MQTT_PASSWORD: 'nope' } });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(new RegExp(`^error: The MQTT broker at ${url} refused the credentials of iotuser: .*\\.\\nhint: Check --mqtt-username and FIREHOSE_MQTT_PASSWORD\\.\\n$`));
    } finally {
      expect(await run.stop()).toBe(130);
    }
    // No password and no terminal to ask on: a usage error naming the variable, before listening.
    const missing = await runCli(['mqtt', 'start', '--port', '0', '--username', 'iotuser']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: Password clients must give for iotuser is needed and this shell cannot prompt for it\.\nhint: Set FIREHOSE_MQTT_PASSWORD\.\n$/);
  });
});

describe('the embedded broker over TLS (mqtts://)', () => {
  let tls: Awaited<ReturnType<typeof generateTls>>;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firehose-mqtt-tls-'));
    tls = await generateTls(dir);
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });
  const pem = (name: string) => join(dir, name);

  it('mosquitto_pub with --cafile → the broker → MQTT.js over TLS; firehose sensors with --mqtt-ca-file; no CA or a wrong name: one line', async () => {
    const b = await broker({ tls: { certFile: pem('broker.pem'), keyFile: pem('broker.key') } });
    expect(b.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const topic = `firehose-test/${uniqueName('tls')}`;
    const { c, received } = await client(b.url.replace('127.0.0.1', 'localhost'), { ca: await readFile(tls.caFile) });
    await c.subscribeAsync(topic, { qos: 1 });
    const pub = await mosquittoPub(b.port, topic, ['a', 'b'], ['--cafile', tls.caFile, '-h', 'localhost']);
    expect(pub.exitCode, pub.stderr).toBe(0);
    await waitFor(() => received.length === 2, { timeoutMs: 10_000, what: 'both messages over TLS' });
    expect(received.map((m) => m.payload)).toEqual(['a', 'b']);

    const url = `mqtts://localhost:${b.port}`;
    const trusted = await runCli(['sensors', '--mqtt', url, '--mqtt-ca-file', tls.caFile, '--count', '3', '--rate', '0']);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stderr).toContain(`Published 3 readings to ${url}`);
    const untrusted = await runCli(['sensors', '--mqtt', url, '--count', '1']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^error: The MQTT broker's certificate at mqtts:\/\/localhost:\d+ is not trusted: .+\nhint: Give the CA with --mqtt-ca-file\.\n$/);
    const wrongName = await broker({ tls: { certFile: pem('wrong-host.pem'), keyFile: pem('wrong-host.key') } });
    const mismatch = await runCli(['sensors', '--mqtt', `mqtts://localhost:${wrongName.port}`, '--mqtt-ca-file', tls.caFile, '--count', '1']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr.trim().split('\n')).toHaveLength(2);
    expect(mismatch.stderr).toMatch(/localhost/);
  });

  it('mqtt start --tls-cert/--tls-key: mqtts:// on 8883 unless --port; the two flags go together; a missing file names its flag', async () => {
    const run = startInProcess(['mqtt', 'start', '--port', '0', '--tls-cert', pem('broker.pem'), '--tls-key', pem('broker.key')]);
    try {
      await waitFor(() => /listening on mqtts:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\.1 over TLS, sessions in memory\)/.test(run.output.stderr), { timeoutMs: 10_000, what: 'the listening line' });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    const alone = await runCli(['mqtt', 'start', '--tls-cert', pem('broker.pem')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/^error: --tls-cert and --tls-key go together\./);
    const missing = await runCli(['mqtt', 'start', '--port', '0', '--tls-cert', pem('nope.pem'), '--tls-key', pem('broker.key')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --tls-cert file \S+nope\.pem does not exist\.\nhint: Check the path given to --tls-cert\.\n$/);
  });
});
