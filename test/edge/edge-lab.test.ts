// `firehose edge up` / `edge down`: seed 002's whole flow on one machine — sensors → MQTT →
// bridge → factory Kafka → mirror → central Kafka → lake folder — with its counts rising on
// every hop, the sensors' readings on the central Kafka under MirrorMaker2's name (read with
// kcat), lake objects of at most --records records, Ctrl-C that stops everything and frees
// every port, one-line errors for bad input, and the built CLI in the background until
// `edge down`.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { routesFromConfigMap } from '../../src/edge/bridge.js';
import { EDGE_ROUTES, type EdgeCounts } from '../../src/edge/edge-lab.js';
import { openLakeStore } from '../../src/edge/lake-store.js';
import { startEmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { processAlive } from '../../src/local/up-state.js';
import { buildCli } from '../support/build.js';
import { runCli, spawnCli, startInProcess } from '../support/cli.js';
import { jsonLines } from '../support/cli-kafka.js';
import { kcatRead, requireKcat } from '../support/kcat.js';
import { s3Client, startS3Server, type S3Server } from '../support/s3.js';
import { waitFor } from '../support/wait.js';

const ANY_PORTS = ['--mqtt-port', '0', '--factory-kafka-port', '0', '--central-kafka-port', '0'];
const TEMPERATURE = 'manuela-factory.iot-sensor-sw-temperature';
const VIBRATION = 'manuela-factory.iot-sensor-sw-vibration';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'firehose-edge-lab-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

interface UpDoc { event: 'up'; mqttUrl: string; factory: { bootstrap: string; embedded: boolean }; central: { bootstrap: string; embedded: boolean }; dir: string; records: number; mirrors: Array<{ source: string; target: string }> }
type CountsDoc = EdgeCounts & { event: 'counts' | 'stopped' };

const docs = (stdout: string) => jsonLines<{ event?: string }>(stdout);
const upDoc = (stdout: string) => docs(stdout).find((d): d is UpDoc => d.event === 'up');
const countDocs = (stdout: string) => docs(stdout).filter((d): d is CountsDoc => d.event === 'counts');

const portOf = (address: string) => Number(/:(\d+)\/?$/.exec(address)?.[1]);

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Every record of every lake object under `dir`, with the object it is in and how many that object holds. */
async function lakeRecords(dir: string): Promise<Array<{ object: string; inObject: number; topic: string; value: string }>> {
  const objects = await (await openLakeStore({ kind: 'folder', dir })).list('');
  const out = [];
  for (const o of objects) {
    const lines = jsonLines<{ topic: string; value: string }>(await readFile(join(dir, o.name), 'utf8'));
    for (const line of lines) out.push({ object: o.name, inObject: lines.length, topic: line.topic, value: line.value });
  }
  return out;
}

/** Long flags `firehose edge up` takes, its own and the global ones. */
async function edgeUpFlags(): Promise<Set<string>> {
  type Node = { name(): string; commands: readonly Node[]; options: readonly { long?: string }[] };
  const program = (await buildProgram()) as unknown as Node;
  const edge = program.commands.find((c) => c.name() === 'edge')!;
  const up = edge.commands.find((c) => c.name() === 'up')!;
  return new Set(['--help', ...[program, edge, up].flatMap((c) => c.options.map((o) => o.long!).filter(Boolean))]);
}

describe('the routes', () => {
  it('are the seed\'s mqtt2kafka ConfigMap\'s (the template and the fixture)', async () => {
    for (const file of ['../../templates/mqtt2kafka.yaml', '../fixtures/edge/mqtt2kafka-cm.yaml']) {
      const path = fileURLToPath(new URL(file, import.meta.url));
      expect((await routesFromConfigMap(await readFile(path, 'utf8'), path)).routes).toEqual(EDGE_ROUTES);
    }
  });
});

describe('edge up (in-process)', () => {
  beforeAll(() => requireKcat());

  it('counts rise on every hop; the central Kafka has the readings as manuela-factory.<topic>; lake objects hold at most --records; Ctrl-C stops it all', { timeout: 120_000 }, async () => {
    const dir = join(root, 'lake');
    const lab = startInProcess(['edge', 'up', ...ANY_PORTS, '--dir', dir, '--records', '4', '--max-wait', '1s', '--rate', '10', '--count', '40', '-o', 'json']);
    let exited = false;
    void lab.exit.finally(() => { exited = true; });
    let up: UpDoc;
    try {
      await waitFor(() => upDoc(lab.output.stdout) ?? exited, { timeoutMs: 60_000, what: 'the edge lab to be up' });
      up = upDoc(lab.output.stdout) ?? expect.fail(`no "up" document: ${lab.output.stderr}`);
      expect(up.factory.embedded && up.central.embedded).toBe(true);
      expect(up.mirrors).toEqual([{ source: 'iot-sensor-sw-temperature', target: TEMPERATURE }, { source: 'iot-sensor-sw-vibration', target: VIBRATION }]);
      // --count 40: the sensors stop there; every reading then goes through every hop, and --max-wait stores the rest.
      await waitFor(() => {
        const last = countDocs(lab.output.stdout).at(-1);
        return exited || (last && last.published === 40 && last.bridged === 40 && last.mirrored === 40 && last.stored.records === 40);
      }, { timeoutMs: 60_000, what: '40 readings published, bridged, mirrored and stored', intervalMs: 250 });
      expect(exited, lab.output.stderr).toBe(false);
    } finally {
      expect(await lab.stop(), lab.output.stderr).toBe(130);
    }

    // Each hop's count only grew, and was seen below its end: it rose while the lab ran.
    const counts = countDocs(lab.output.stdout);
    const hops: Array<[string, (c: EdgeCounts) => number]> = [['published', (c) => c.published], ['bridged', (c) => c.bridged], ['mirrored', (c) => c.mirrored], ['stored', (c) => c.stored.records]];
    for (const [hop, of] of hops) {
      const seen = counts.map(of);
      expect(seen, hop).toEqual([...seen].sort((a, b) => a - b));
      expect(Math.min(...seen), hop).toBeLessThan(40);
      expect(seen.at(-1), hop).toBe(40);
    }
    const stopped = docs(lab.output.stdout).at(-1) as CountsDoc;
    expect(stopped).toMatchObject({ event: 'stopped', published: 40, bridged: 40, mirrored: 40, stored: { records: 40 } });

    // Everything stopped: every port it listened on is free again.
    for (const port of [portOf(up.mqttUrl), portOf(up.factory.bootstrap), portOf(up.central.bootstrap)]) expect(await portFree(port), `port ${port}`).toBe(true);
  });

  it('leaves the readings on the central Kafka and in the lake', { timeout: 120_000 }, async () => {
    // A second run on its own ports, kept up while kcat reads the central Kafka.
    const dir = join(root, 'lake-read');
    const lab = startInProcess(['edge', 'up', ...ANY_PORTS, '--dir', dir, '--records', '3', '--max-wait', '1s', '--rate', '0', '--count', '20', '-o', 'json']);
    try {
      const up = await waitFor(() => upDoc(lab.output.stdout), { timeoutMs: 60_000, what: 'the edge lab to be up' });
      await waitFor(() => countDocs(lab.output.stdout).at(-1)?.stored.records === 20, { timeoutMs: 60_000, what: '20 records stored', intervalMs: 250 });

      // The sensors' readings, MirrorMaker2-named on the central Kafka, with the bridge's MQTT topic header.
      const temperature = await kcatRead(TEMPERATURE, up.central.bootstrap);
      const readings = temperature.map((r) => JSON.parse(r.value.toString('utf8')) as { id: string; sensor: string; type: string; value: number; unit: string });
      expect(readings.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `floor-1-line-1-extruder-1-temperature-1-${i + 1}`));
      for (const r of readings) expect(r).toMatchObject({ sensor: 'floor-1-line-1-extruder-1-temperature-1', type: 'temperature', unit: 'C', value: expect.any(Number) });
      for (const r of temperature) expect(r.headers).toContain('mqtt_topic=iot-sensor/sw/temperature');
      expect((await kcatRead(VIBRATION, up.central.bootstrap)).map((r) => (JSON.parse(r.value.toString('utf8')) as { type: string }).type)).toEqual(Array(10).fill('vibration'));

      // The lake: objects of at most 3 records, together exactly the mirrored records.
      const stored = await lakeRecords(dir);
      expect(stored).toHaveLength(20);
      for (const s of stored) expect(s.inObject, s.object).toBeLessThanOrEqual(3);
      expect(stored.some((s) => s.inObject === 3)).toBe(true);
      expect(stored.filter((s) => s.topic === TEMPERATURE).map((s) => s.value).sort()).toEqual(temperature.map((r) => r.value.toString('utf8')).sort());
      expect(new Set(stored.map((s) => s.object.split('/')[0]))).toEqual(new Set([TEMPERATURE, VIBRATION]));
    } finally {
      expect(await lab.stop(), lab.output.stderr).toBe(130);
    }
  });

  it('--duration stops it by itself, exit 0; text output names every part and the counts', { timeout: 90_000 }, async () => {
    const result = await runCli(['edge', 'up', ...ANY_PORTS, '--dir', join(root, 'lake-duration'), '--duration', '4s', '--rate', '20']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^\[kafka\] factory: embedded broker on 127\.0\.0\.1:\d+$/m);
    expect(result.stderr).toMatch(/^\[kafka\] central: embedded broker on 127\.0\.0\.1:\d+$/m);
    expect(result.stderr).toMatch(/^\[mqtt\] broker on mqtt:\/\/127\.0\.0\.1:\d+$/m);
    expect(result.stderr).toContain('[mirror] iot-sensor-sw-temperature → manuela-factory.iot-sensor-sw-temperature, iot-sensor-sw-vibration → manuela-factory.iot-sensor-sw-vibration on the central Kafka');
    expect(result.stderr).toContain('[bridge] iot-sensor/sw/temperature → iot-sensor-sw-temperature, iot-sensor/sw/vibration → iot-sensor-sw-vibration');
    expect(result.stderr).toMatch(/It stops after 4s\./);
    const [, published, bridged] = /^Edge lab stopped: published (\d+) → bridged (\d+) → mirrored \d+ → stored \d+ objects? \(\d+ records\) in /m.exec(result.stderr) ?? expect.fail(result.stderr);
    expect(Number(published)).toBeGreaterThan(0);
    expect(Number(bridged)).toBeGreaterThan(0);
  });

  it('uses existing Kafkas (--factory-bootstrap, --central-bootstrap), and leaves them running', { timeout: 120_000 }, async () => {
    // Kafkas of their own, not the suite's: the seed's topic and group names are fixed, and other tests use them there.
    const [factory, central] = await Promise.all([startEmbeddedBroker({ port: 0 }), startEmbeddedBroker({ port: 0 })]);
    try {
      const lab = startInProcess(['edge', 'up', '--mqtt-port', '0', '--factory-bootstrap', factory.bootstrap, '--central-bootstrap', central.bootstrap, '--dir', join(root, 'lake-existing'), '--records', '2', '--max-wait', '1s', '--rate', '20', '--count', '10', '-o', 'json']);
      try {
        const up = await waitFor(() => upDoc(lab.output.stdout), { timeoutMs: 60_000, what: 'the edge lab to be up' });
        expect(up.factory).toEqual({ bootstrap: factory.bootstrap, embedded: false });
        expect(up.central).toEqual({ bootstrap: central.bootstrap, embedded: false });
        await waitFor(() => countDocs(lab.output.stdout).at(-1)?.stored.records === 10, { timeoutMs: 60_000, what: '10 readings stored', intervalMs: 250 });
      } finally {
        expect(await lab.stop(), lab.output.stderr).toBe(130);
      }
      // Not the edge lab's to stop: both still serve, the central one with the mirrored readings.
      expect(await portFree(factory.port)).toBe(false);
      expect((await kcatRead(TEMPERATURE, central.bootstrap)).map((r) => (JSON.parse(r.value.toString('utf8')) as { type: string }).type)).toEqual(Array(5).fill('temperature'));
    } finally {
      await Promise.all([factory.stop(), central.stop()]);
    }
  });
});

describe('edge up with the lake in S3 (versitygw)', () => {
  let s3: S3Server;
  beforeAll(async () => { s3 = await startS3Server(); }, 60_000);
  afterAll(async () => { await s3?.stop(); });
  const keys = () => ({ AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey });

  it('--bucket --create-bucket: the objects go to the bucket, named as in a folder', { timeout: 120_000 }, async () => {
    const bucket = `edge-lake-${Date.now()}`;
    const lab = startInProcess(['edge', 'up', ...ANY_PORTS, '--bucket', bucket, '--s3-endpoint', s3.endpoint, '--region', s3.region, '--create-bucket',
      '--records', '2', '--max-wait', '1s', '--rate', '20', '--count', '10', '-o', 'json'], { env: keys() });
    try {
      const up = await waitFor(() => upDoc(lab.output.stdout), { timeoutMs: 60_000, what: 'the edge lab to be up' });
      expect(up.dir).toBe(`s3://${bucket} at ${s3.endpoint}`);
      await waitFor(() => countDocs(lab.output.stdout).at(-1)?.stored.records === 10, { timeoutMs: 60_000, what: '10 readings stored', intervalMs: 250 });
    } finally {
      expect(await lab.stop(), lab.output.stderr).toBe(130);
    }
    const listed = await s3Client(s3).send(new ListObjectsV2Command({ Bucket: bucket }));
    const names = (listed.Contents ?? []).map((o) => o.Key!);
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) expect(name).toMatch(/^manuela-factory\.iot-sensor-sw-(temperature|vibration)\/0\/\d{20}\.jsonl$/);
    expect(lab.output.stdout + lab.output.stderr).not.toContain(s3.secretAccessKey);
  });

  it('a bucket that is not there: one line before anything starts, its hint naming --create-bucket', { timeout: 60_000 }, async () => {
    const result = await runCli(['edge', 'up', ...ANY_PORTS, '--bucket', 'no-such-bucket', '--s3-endpoint', s3.endpoint, '--region', s3.region], { env: keys() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: There is no bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+\.\nhint: .*--create-bucket\.\n$/);
    const flags = await edgeUpFlags();
    expect(flags).toContain('--create-bucket');
  });
});

describe('edge up: bad input is one line and a hint naming its own flags', () => {
  let busy: Server;
  let busyPort: number;
  let flags: Set<string>;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
    flags = await edgeUpFlags();
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  const cases: Array<[string, () => Promise<string[]>, number, RegExp, RegExp]> = [
    ['the MQTT port taken', async () => ['--mqtt-port', String(busyPort), '--factory-kafka-port', '0', '--central-kafka-port', '0'], 1,
      /^Port \d+ on 127\.0\.0\.1, for the MQTT broker, is already in use\.$/, /--mqtt-port/],
    ['the factory Kafka port taken', async () => ['--mqtt-port', '0', '--factory-kafka-port', String(busyPort), '--central-kafka-port', '0'], 1,
      /^Port \d+ on 127\.0\.0\.1, for the factory Kafka, is already in use\.$/, /--factory-kafka-port .*--factory-bootstrap localhost:\d+/],
    ['the central Kafka port taken', async () => ['--mqtt-port', '0', '--factory-kafka-port', '0', '--central-kafka-port', String(busyPort)], 1,
      /^Port \d+ on 127\.0\.0\.1, for the central Kafka, is already in use\.$/, /--central-kafka-port .*--central-bootstrap/],
    ['an unreachable --central-bootstrap', async () => [...ANY_PORTS.slice(0, 4), '--central-bootstrap', '127.0.0.1:1'], 1,
      /^Cannot reach the central Kafka \(--central-bootstrap\) at 127\.0\.0\.1:1: /, /Check --central-bootstrap/],
    ['an unwritable --dir', async () => {
      const file = join(root, 'a-file');
      await writeFile(file, 'not a folder');
      return [...ANY_PORTS, '--dir', join(file, 'lake')];
    }, 1, /^Cannot create the data lake folder .*a-file\/lake: ENOTDIR\.$/, /--dir/],
    ['--bootstrap instead of a side', async () => [...ANY_PORTS, '--bootstrap', '127.0.0.1:1'], 2, /^edge up has two Kafkas, not one/, /--factory-bootstrap and\/or --central-bootstrap/],
  ];
  it.each(cases)('%s', { timeout: 60_000 }, async (_what, argv, code, message, hint) => {
    const result = await runCli(['edge', 'up', '--dir', join(root, 'lake-bad'), ...(await argv())]);
    expect(result.code, result.stderr).toBe(code);
    const [error, hintLine, ...rest] = result.stderr.split('\n').filter((line) => line.startsWith('error: ') || line.startsWith('hint: ') || line.startsWith('    at '));
    expect(rest, result.stderr).toEqual([]);
    expect(error?.slice('error: '.length)).toMatch(message);
    expect(hintLine?.slice('hint: '.length)).toMatch(hint);
    for (const flag of hintLine!.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? []) expect(flags, `${flag} in "${hintLine}"`).toContain(flag);
    expect(result.stdout).toBe('');
  });

  it('a flag for the embedded factory Kafka with an existing one is a usage error', async () => {
    const result = await runCli(['edge', 'up', '--factory-kafka-port', '9999', '--factory-bootstrap', '127.0.0.1:1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--factory-kafka-port <port>' cannot be used with option '--factory-bootstrap/);
  });

  it('edge down with nothing running says how to start one', async () => {
    const result = await runCli(['edge', 'down']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: No background edge lab is running.\nhint: Start one with `firehose edge up --detach`.\n');
  });
});

describe('edge up --detach / edge down (built CLI)', () => {
  beforeAll(() => buildCli());

  it('runs the edge lab in the background until `edge down`, apart from `up`\'s lab', { timeout: 120_000 }, async () => {
    const env = { XDG_STATE_HOME: await mkdtemp(join(tmpdir(), 'firehose-edge-state-')) };
    const dir = join(root, 'lake-detached');
    const argv = ['edge', 'up', ...ANY_PORTS, '--dir', dir, '--records', '5', '--detach'];
    const up = await spawnCli(argv, { env });
    expect(up.exitCode, up.stderr).toBe(0);
    const [, pid, mqtt, factory, central, log] = /^Edge lab running in the background \(pid (\d+)\): MQTT (\S+), factory Kafka (\S+), central Kafka (\S+), lake \S+; log (\S+)\. Stop it with `firehose edge down`\.$/m.exec(up.stdout) ?? expect.fail(up.stdout);
    try {
      expect(processAlive(Number(pid))).toBe(true);
      expect(log).toBe(join(env.XDG_STATE_HOME, 'firehose', 'edge.log'));
      // It works in the background: objects reach the lake.
      await waitFor(async () => (await lakeRecords(dir).catch(() => [])).length >= 10, { timeoutMs: 60_000, what: 'objects in the lake', intervalMs: 250 });

      const again = await spawnCli(argv, { env });
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toBe(`error: The edge lab is already running (pid ${pid}).\nhint: Stop it first (Ctrl-C there, or \`firehose edge down\`).`);
      // `up`'s lab is another one: `down` does not touch this.
      const otherDown = await spawnCli(['down', '--user', '7'], { env });
      expect(otherDown.exitCode).toBe(1);
      expect(otherDown.stderr).toContain('No background lab is running for user 7.');
      expect(processAlive(Number(pid))).toBe(true);
    } finally {
      const down = await spawnCli(['edge', 'down'], { env });
      expect(down.exitCode, down.stderr).toBe(0);
      expect(down.stdout).toBe(`Stopped the edge lab (pid ${pid}).`);
    }
    expect(processAlive(Number(pid))).toBe(false);
    for (const address of [mqtt!, factory!, central!]) expect(await portFree(portOf(address)), address).toBe(true);
    // Stopped by SIGTERM, it said so in its log.
    expect(await readFile(log!, 'utf8')).toMatch(/^Edge lab stopped: published \d+/m);
    const downAgain = await spawnCli(['edge', 'down'], { env });
    expect(downAgain.exitCode).toBe(1);
    expect(downAgain.stderr).toContain('No background edge lab is running.');
    await rm(env.XDG_STATE_HOME, { recursive: true, force: true });
  });
});
