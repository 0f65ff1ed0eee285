// Seed 002's whole edge-to-core flow, every piece the built CLI in its own process except the
// brokers: `firehose sensors` (QoS 1) → Mosquitto → `firehose bridge mqtt` (the seed's
// mqtt2kafka ConfigMap) → the factory Kafka (the suite's) → `firehose mirror run` → the
// central Kafka (firehose's embedded broker, started here) → `firehose lake` (the seed's
// kafka-to-s3 ConfigMap, into a folder). The mirror and the lake writer are each SIGKILLed
// while readings are still being published, and started again: every reading is then stored
// (the distinct ids are exactly those published), each record of the central cluster exactly
// once, in objects of at most 10 records named for their first record. As with MirrorMaker2,
// the mirror may copy again the batch it had in flight when killed (at most 500 records per
// partition, once more): those copies are records of their own, stored once each too.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLakeStore, type LakeObject } from '../../src/edge/lake-store.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { buildCli } from '../support/build.js';
import { killAndRestart, runCli, startCli } from '../support/cli.js';
import { expectOk, firehose, jsonLines, sorted, type RecordJson } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';

const MQTT2KAFKA = fileURLToPath(new URL('../fixtures/edge/mqtt2kafka-cm.yaml', import.meta.url));
const KAFKA_TO_S3 = fileURLToPath(new URL('../fixtures/edge/kafka-to-s3-cm.yaml', import.meta.url));

/** The Kafka topics of the seed's mqtt2kafka ConfigMap (kafka.broker.topic.*). */
const FACTORY_TOPICS = ['iot-sensor-sw-temperature', 'iot-sensor-sw-vibration'];
/** What MirrorMaker2 names them on the central cluster, and what the kafka-to-s3 ConfigMap stores. */
const CENTRAL_TOPICS = ['manuela-factory.iot-sensor-sw-temperature', 'manuela-factory.iot-sensor-sw-vibration'];
/** Per object (the kafka-to-s3 ConfigMap's s3.message.aggregation.count). */
const RECORDS_PER_OBJECT = 10;

const TOTAL = 3000;
/** Readings per second: the sensors publish for about 25 s, so both kills land while they still do. */
const RATE = 120;
/** `--sensors 4`: two machines, each with a temperature and a vibration sensor; readings go round them in turn. */
const SENSORS = ['floor-1-line-1-extruder-1-temperature-1', 'floor-1-line-1-extruder-1-vibration-1', 'floor-1-line-1-extruder-2-temperature-1', 'floor-1-line-1-extruder-2-vibration-1'];
/** A reading's id is `<sensor>-<seq>`, seq 1, 2, ... per sensor (`firehose sensors --help`). */
const PUBLISHED_IDS = SENSORS.flatMap((sensor) => Array.from({ length: TOTAL / SENSORS.length }, (_, i) => `${sensor}-${i + 1}`));

interface Reading { id: string; sensor: string; type: string; value: number; unit: string; timestamp: string }
/** One line of a lake object. */
interface Line { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string> }

let mosquitto: MosquittoHandle;
let central: EmbeddedBroker;
let root: string;
const children: Array<ReturnType<typeof startCli>> = [];

beforeAll(async () => {
  await buildCli();
  root = await mkdtemp(join(tmpdir(), 'firehose-seed-002-'));
  mosquitto = await startMosquitto();
  // Topics on the central cluster come only from the mirror: a consume that looks too early must not make them.
  central = await startEmbeddedBroker({ port: 0, dataDir: join(root, 'central'), autoCreateTopics: false });
});

afterAll(async () => {
  for (const run of children) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  await Promise.all(children.map((run) => run.child));
  await central?.stop();
  await mosquitto?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

function start(argv: string[]) {
  const run = startCli(argv);
  children.push(run);
  return run;
}

/** Every record of a topic now (from the beginning to the end); none while it does not exist. */
async function recordsIn(topic: string, bootstrap: string): Promise<RecordJson[]> {
  const result = await runCli(['consume', topic, '--from-beginning', '-e', '--format', 'json', '--bootstrap', bootstrap]);
  if (result.code !== 0) return [];
  return jsonLines<RecordJson>(result.stdout);
}

async function centralRecords(): Promise<RecordJson[]> {
  return (await Promise.all(CENTRAL_TOPICS.map((t) => recordsIn(t, central.bootstrap)))).flat();
}

async function lakeObjects(dir: string): Promise<LakeObject[]> {
  return (await openLakeStore({ kind: 'folder', dir })).list('');
}

/** Every line of every stored object, with the object it is in. */
async function storedLines(dir: string): Promise<Array<Line & { object: string }>> {
  const out: Array<Line & { object: string }> = [];
  for (const o of await lakeObjects(dir).catch(() => [])) {
    for (const line of jsonLines<Line>(await readFile(join(dir, o.name), 'utf8'))) out.push({ ...line, object: o.name });
  }
  return out;
}

const where = (r: { topic: string; partition: number; offset: number | string }) => `${r.topic}/${r.partition}/${r.offset}`;

/** The values that occur more than once, each with how often. */
function repeated(values: string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1);
}

describe('seed 002: sensors → Mosquitto → bridge → factory Kafka → mirror → central Kafka → lake', () => {
  it('every QoS 1 reading is stored (distinct ids), each central record exactly once, after the mirror and the lake writer are SIGKILLed mid-run; objects ≤ 10 records, named <topic>/<partition>/<first offset>.jsonl', { timeout: 150_000 }, async () => {
    const factory = kafkaFromTests().bootstrap;
    // The seed's names on the suite's shared Kafka: 1 partition, as test/edge/bridge.test.ts
    // makes them (create-topic refuses a different count). Records already there come from
    // other tests: they are mirrored and stored too, and told apart from this run's by value.
    for (const topic of FACTORY_TOPICS) expectOk(await firehose(['create-topic', topic, '--partitions', '1']));
    const foreign = new Set((await Promise.all(FACTORY_TOPICS.map(async (t) => jsonLines<RecordJson>(expectOk(await firehose(['consume', t, '--from-beginning', '-e', '--format', 'json'])).stdout))))
      .flat().map((r) => r.value ?? ''));
    const ours = <T extends { value: string | null }>(records: T[]) => records.filter((r) => !foreign.has(r.value ?? ''));
    const idOf = (r: { value: string | null }) => (JSON.parse(r.value!) as Reading).id;

    const run = uniqueName('seed-002');
    const bridge = start(['bridge', 'mqtt', '--config', MQTT2KAFKA, '--mqtt', mosquitto.url, '--mqtt-client-id', `${run}-bridge`, '--count', String(TOTAL), '--bootstrap', factory]);
    // Subscribed (persistent session) before the first reading, or the readings before it are lost.
    await waitFor(() => bridge.output.stderr.includes('Bridging') || bridge.child.exitCode !== null, { timeoutMs: 30_000, what: 'the bridge to subscribe' });
    expect(bridge.output.stderr).toContain('(iot-sensor/sw/temperature → iot-sensor-sw-temperature, iot-sensor/sw/vibration → iot-sensor-sw-vibration)');

    const sensors = start(['sensors', '--mqtt', mosquitto.url, '--mqtt-client-id', `${run}-sensors`, '--qos', '1', '--sensors', String(SENSORS.length), '--count', String(TOTAL), '--rate', String(RATE)]);
    const sensorsPublishing = () => sensors.child.exitCode === null;

    // The mirror, with its own target alias: its progress is kept on the (shared) factory
    // cluster in groups named for both aliases, and this run's central cluster starts empty.
    const mirrorArgv = ['mirror', 'run', '--source', factory, '--target', central.bootstrap, '--source-alias', 'manuela-factory', '--target-alias', uniqueName('central'), '--topics', 'iot-sensor-sw-.*'];
    const atMirrorKill = { onCentral: 0, sensorsPublishing: false };
    // Set when the test gives up: both killAndRestart calls then finish at once instead of at their deadlines.
    let abandoned = false;
    let mirrorFailed = false;
    let mirrorDone = false;
    const mirror = killAndRestart(mirrorArgv, {
      upText: 'Mirroring',
      killWhen: async () => {
        if (abandoned) return true;
        const onCentral = ours(await centralRecords()).length;
        if (onCentral < 600) return false;
        Object.assign(atMirrorKill, { onCentral, sensorsPublishing: sensorsPublishing() });
        return true;
      },
      doneWhen: async () => {
        if (abandoned) return true;
        const records = await centralRecords();
        const values = new Set(records.map((r) => r.value ?? ''));
        const ids = new Set(ours(records).map(idOf));
        return [...foreign].every((v) => values.has(v)) && PUBLISHED_IDS.every((id) => ids.has(id));
      },
      what: `all ${TOTAL} readings on the central cluster`,
      timeoutMs: 100_000,
    }).then((output) => { mirrorDone = true; return output; }, (error: unknown) => { mirrorFailed = true; throw error; });

    // The lake needs its topics: the mirror's first run makes them on the central cluster.
    const centralTopics = waitFor(async () => mirrorFailed || (await Promise.all(CENTRAL_TOPICS.map(async (t) => (await runCli(['topics', 'describe', t, '--bootstrap', central.bootstrap])).code === 0)))
      .every(Boolean), { timeoutMs: 60_000, what: 'the mirror to create the central topics', intervalMs: 250 });
    await centralTopics.catch(async (error: unknown) => {
      abandoned = true;
      await mirror.catch(() => {});
      throw error;
    });

    const lakeDir = join(root, 'lake');
    const lakeArgv = ['lake', '--config', KAFKA_TO_S3, '--dir', lakeDir, '--max-wait', '300ms', '--bootstrap', central.bootstrap];
    const atLakeKill = { stored: 0, sensorsPublishing: false };
    let centralAtEnd: RecordJson[] | undefined;
    const lake = killAndRestart(lakeArgv, {
      upText: 'Storing',
      killWhen: async () => {
        if (mirrorFailed || abandoned) return true;
        const stored = ours(await storedLines(lakeDir)).length;
        if (stored < 400) return false;
        Object.assign(atLakeKill, { stored, sensorsPublishing: sensorsPublishing() });
        return true;
      },
      // Done once the mirror is (the central cluster no longer grows) and every record there is stored.
      doneWhen: async () => {
        if (mirrorFailed || abandoned) return true;
        if (!mirrorDone) return false;
        centralAtEnd ??= await centralRecords();
        const stored = new Set((await storedLines(lakeDir)).map(where));
        return centralAtEnd.every((r) => stored.has(where(r)));
      },
      what: 'every record of the central cluster stored',
      timeoutMs: 100_000,
    });

    const [mirrored, laked] = await Promise.allSettled([mirror, lake]);
    if (mirrored.status === 'rejected') throw mirrored.reason;
    if (laked.status === 'rejected') throw laked.reason;

    // Both kills landed while the sensors were still publishing, with part of the work done.
    expect(atMirrorKill.sensorsPublishing, `the mirror was SIGKILLed with ${atMirrorKill.onCentral} readings on the central cluster, after the sensors had finished`).toBe(true);
    expect(atMirrorKill.onCentral).toBeLessThan(TOTAL);
    expect(atLakeKill.sensorsPublishing, `the lake writer was SIGKILLed with ${atLakeKill.stored} readings stored, after the sensors had finished`).toBe(true);
    expect(atLakeKill.stored).toBeLessThan(TOTAL);

    // The sensors had every reading acknowledged (QoS 1); the bridge forwarded exactly those.
    await waitFor(() => sensors.child.exitCode !== null && bridge.child.exitCode !== null, { timeoutMs: 30_000, what: 'the sensors and the bridge to finish' });
    expect(sensors.child.exitCode, sensors.output.stderr).toBe(0);
    expect(sensors.output.stderr).toContain(`Published 3,000 readings to ${mosquitto.url} (QoS 1).`);
    expect(bridge.child.exitCode, bridge.output.stderr).toBe(0);
    // (The bridge writes 3000 where the sensors write 3,000.)
    expect(bridge.output.stderr).toMatch(/Forwarded 3,?000 messages to Kafka\./);

    // Hop by hop, so a failure says where a reading went missing or came twice.
    const onFactory = ours((await Promise.all(FACTORY_TOPICS.map((t) => recordsIn(t, factory)))).flat());
    const onCentral = ours(centralAtEnd ?? []);
    const objects = await lakeObjects(lakeDir);
    const lines = await storedLines(lakeDir);
    const mine = ours(lines);
    console.log(`seed 002: mirror SIGKILLed with ${atMirrorKill.onCentral} readings on the central cluster, lake writer with ${atLakeKill.stored} stored; `
      + `records of this run: ${onFactory.length} on the factory, ${onCentral.length} on the central cluster, ${mine.length} stored in ${objects.length} objects (${TOTAL} readings); ${foreign.size} records from other tests`);
    /** Each reading that is in `records` more than once, with where. */
    const twice = (records: Array<{ value: string | null; topic: string; partition: number; offset: number | string }>) => repeated(records.map(idOf))
      .map(([id, n]) => `${id} ×${n} (at ${records.filter((r) => idOf(r) === id).map(where).join(', ')})`).slice(0, 10);
    expect(twice(onFactory), 'readings the bridge (not killed) wrote to the factory cluster more than once').toEqual([]);
    expect(onFactory, 'this run\'s records on the factory cluster').toHaveLength(TOTAL);
    // The mirror's at-least-once across its SIGKILL: a reading copied again is there twice at
    // most, and no more of them than one batch in flight per partition (500 records).
    const copiedAgain = repeated(onCentral.map(idOf));
    expect(copiedAgain.filter(([, n]) => n > 2), 'readings the mirror copied more than twice').toEqual([]);
    expect(copiedAgain.length, 'readings the mirror copied again').toBeLessThanOrEqual(500 * FACTORY_TOPICS.length);

    // MirrorMaker2's names, made by the first run and found by the second.
    expect(mirrored.value.first).toMatch(/Mirroring iot-sensor-sw-temperature → manuela-factory\.iot-sensor-sw-temperature \(1 partitions?, created\), iot-sensor-sw-vibration → manuela-factory\.iot-sensor-sw-vibration \(1 partitions?, created\)/);
    expect(mirrored.value.second).toMatch(/Mirroring iot-sensor-sw-temperature → manuela-factory\.iot-sensor-sw-temperature \(1 partitions?\), iot-sensor-sw-vibration → manuela-factory\.iot-sensor-sw-vibration \(1 partitions?\)/);
    const topics = jsonLines<Array<{ topic: string }>>(expectOk(await runCli(['topics', '-o', 'json', '--bootstrap', central.bootstrap])).stdout)[0]!;
    expect(sorted(topics.map((t) => t.topic).filter((t) => !t.startsWith('__')))).toEqual(CENTRAL_TOPICS);
    expect(laked.value.first).toContain(`Storing ${CENTRAL_TOPICS.join(', ')} in`);
    expect(laked.value.first).toContain(`${RECORDS_PER_OBJECT} records per object`);

    // The objects: at most 10 records of one partition, in offset order, named for the first.
    for (const o of objects) {
      const body = lines.filter((l) => l.object === o.name);
      expect(body.length, o.name).toBeGreaterThan(0);
      expect(body.length, o.name).toBeLessThanOrEqual(RECORDS_PER_OBJECT);
      expect(o.records, o.name).toBe(body.length);
      expect(o.name).toBe(`${body[0]!.topic}/${body[0]!.partition}/${String(body[0]!.offset).padStart(20, '0')}.jsonl`);
      expect(body.every((l) => l.topic === body[0]!.topic && l.partition === body[0]!.partition), o.name).toBe(true);
      expect(body.every((l, i) => i === 0 || l.offset > body[i - 1]!.offset), `${o.name}: offsets in order`).toBe(true);
    }
    // No record of the central cluster in two objects.
    expect(repeated(lines.map(where)).slice(0, 10)).toEqual([]);

    // This run's readings: each on its kind's topic with the MQTT topic header, all of them, once.
    for (const line of mine) {
      const reading = JSON.parse(line.value!) as Reading;
      expect(line.topic, reading.id).toBe(`manuela-factory.iot-sensor-sw-${reading.type}`);
      expect(line.headers.mqtt_topic, reading.id).toBe(`iot-sensor/sw/${reading.type}`);
    }
    const ids = mine.map(idOf);
    const distinct = new Set(ids);
    const missing = PUBLISHED_IDS.filter((id) => !distinct.has(id));
    const published = new Set(PUBLISHED_IDS);
    const unexpected = [...distinct].filter((id) => !published.has(id));
    expect(missing.slice(0, 10), `${missing.length} of ${TOTAL} readings not stored`).toEqual([]);
    expect(unexpected.slice(0, 10), `${unexpected.length} stored readings this run never published`).toEqual([]);
    expect(distinct.size).toBe(TOTAL);
    // Each central record of this run stored exactly once: the only readings stored twice are
    // the mirror's second copies, and each of those as often as it is on the central cluster.
    expect(sorted(mine.map(where))).toEqual(sorted(onCentral.map(where)));
    expect(repeated(mine.map(idOf)).sort(), 'readings stored more than once, other than the mirror\'s copies').toEqual(copiedAgain.sort());
    expect(mine).toHaveLength(TOTAL + copiedAgain.length);
    // What was on the factory topics before this run is stored as well.
    const storedValues = new Set(lines.map((l) => l.value ?? ''));
    expect([...foreign].filter((v) => !storedValues.has(v)).slice(0, 10)).toEqual([]);
  });
});
