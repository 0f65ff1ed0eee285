// `firehose lake` against the suite's Kafka: objects of N records in a folder, named for
// their first record (so a restart rewrites instead of duplicating), committed only once
// stored, the seed's kafka-to-s3 ConfigMap read as it is, `lake ls` / `lake get`, and a lake
// writer SIGKILLed mid-run that, restarted, stores every record exactly once.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectBody, lakeObjectName } from '../../src/edge/lake.js';
import { openLakeStore, type LakeObject } from '../../src/edge/lake-store.js';
import { buildCli } from '../support/build.js';
import { killAndRestart, runCli, startInProcess } from '../support/cli.js';
import { expectOk, firehose, jsonLines, produce } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { waitFor } from '../support/wait.js';

const CONFIG_MAP = fileURLToPath(new URL('../fixtures/edge/kafka-to-s3-cm.yaml', import.meta.url));
let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'firehose-lake-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

interface Line { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string> }

/** The objects in a lake folder, as `lake ls` lists them. */
async function listLakeObjects(dir: string, prefix = ''): Promise<LakeObject[]> {
  return (await openLakeStore({ kind: 'folder', dir })).list(prefix);
}

/** Every record line of every object under `dir` whose name starts with `prefix`. */
async function stored(dir: string, prefix = ''): Promise<Array<Line & { object: string }>> {
  const objects = await listLakeObjects(dir, prefix).catch(() => []);
  const out: Array<Line & { object: string }> = [];
  for (const o of objects) for (const line of jsonLines<Line>(await readFile(join(dir, o.name), 'utf8'))) out.push({ ...line, object: o.name });
  return out;
}

const bootstrap = () => ['--bootstrap', kafkaFromTests().bootstrap];

describe('the object format', () => {
  it('one JSON line per record: text as it is, bytes that are not UTF-8 as base64; names zero-padded', () => {
    const body = objectBody([
      { topic: 't', partition: 2, offset: '41', timestamp: 1714564800000, key: Buffer.from('k'), value: Buffer.from([0xff, 0x00, 0x80]), headers: { unit: Buffer.from('C'), gone: undefined } },
    ]);
    expect(JSON.parse(body)).toEqual({ topic: 't', partition: 2, offset: 41, timestamp: 1714564800000, key: 'k', value: { base64: '/wCA' }, headers: { unit: 'C' } });
    expect(body.endsWith('\n')).toBe(true);
    expect(lakeObjectName('t', 2, '41')).toBe('t/2/00000000000000000041.jsonl');
  });
});

describe('lake run', () => {
  it('stores objects of N records named <topic>/<partition>/<first offset>.jsonl, a short last one after --max-wait, and commits what it stored', { timeout: 60_000 }, async () => {
    const topic = uniqueName('lake');
    expectOk(await firehose(['create-topic', topic, '--partitions', '1']));
    await produce(topic, Array.from({ length: 25 }, (_, i) => `k${i}:{"id":${i}}`), ['--key-separator', ':', '--header', 'unit=C']);
    const dir = join(root, 'one');
    const group = uniqueName('lake-group');
    const run = startInProcess(['lake', topic, '--dir', dir, '--records', '10', '--max-wait', '500ms', '--group', group, ...bootstrap()]);
    try {
      await waitFor(async () => (await stored(dir)).length === 25, { timeoutMs: 30_000, what: '25 records stored', intervalMs: 200 });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    const objects = await listLakeObjects(dir);
    expect(objects.map((o) => `${o.name}:${o.records}`)).toEqual([
      `${topic}/0/00000000000000000000.jsonl:10`, `${topic}/0/00000000000000000010.jsonl:10`, `${topic}/0/00000000000000000020.jsonl:5`,
    ]);
    const lines = await stored(dir);
    expect(lines[3]).toMatchObject({ topic, partition: 0, offset: 3, key: 'k3', value: '{"id":3}', headers: { unit: 'C' } });
    expect(typeof lines[3]!.timestamp).toBe('number');
    expect(run.output.stderr).toContain('Stored 3 objects (25 records)');
    const described = jsonLines<{ offsets: Array<{ committed: string | null }> }>(expectOk(await firehose(['groups', 'describe', group, '-o', 'json'])).stdout)[0]!;
    expect(described.offsets.map((p) => p.committed)).toEqual(['25']);
  });

  it('reads the seed\'s kafka-to-s3 ConfigMap: its topics and 10 records per object; lake ls and lake get', { timeout: 60_000 }, async () => {
    for (const topic of ['manuela-factory.iot-sensor-sw-temperature', 'manuela-factory.iot-sensor-sw-vibration']) {
      const created = await firehose(['create-topic', topic, '--partitions', '1']);
      expect(created.code, created.stderr).toBe(0);
    }
    const run = uniqueName('cm');
    await produce('manuela-factory.iot-sensor-sw-vibration', Array.from({ length: 20 }, (_, i) => `{"run":"${run}","i":${i}}`));
    const dir = join(root, 'cm');
    const lake = startInProcess(['lake', '--config', CONFIG_MAP, '--dir', dir, '--group', uniqueName('cm-group'), ...bootstrap()]);
    try {
      await waitFor(async () => (await stored(dir, 'manuela-factory.iot-sensor-sw-vibration/')).filter((l) => l.value?.includes(run)).length === 20, { timeoutMs: 30_000, what: 'this run\'s 20 records stored', intervalMs: 200 });
    } finally {
      expect(await lake.stop()).toBe(130);
    }
    expect(lake.output.stderr).toContain('Storing manuela-factory.iot-sensor-sw-temperature, manuela-factory.iot-sensor-sw-vibration');
    for (const o of await listLakeObjects(dir)) expect(o.records).toBeLessThanOrEqual(10);
    const ls = expectOk(await runCli(['lake', 'ls', 'manuela-factory.iot-sensor-sw-vibration/', '--dir', dir]));
    expect(ls.stdout).toMatch(/^OBJECT\s+RECORDS\s+BYTES\s+MODIFIED$/m);
    const first = (await listLakeObjects(dir, 'manuela-factory.iot-sensor-sw-vibration/'))[0]!;
    expect(ls.stdout).toContain(first.name);
    const got = expectOk(await runCli(['lake', 'get', first.name, '--dir', dir]));
    expect(jsonLines(got.stdout)).toHaveLength(first.records!);
    const missing = await runCli(['lake', 'get', 'no/such/object.jsonl', '--dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: No object no\/such\/object\.jsonl in .+\nhint: `firehose lake ls` lists them\.\n$/);
  });

  it('bad input: no topics, a topic that does not exist, no lake folder: one line each', { timeout: 30_000 }, async () => {
    const none = await runCli(['lake', '--dir', join(root, 'x'), ...bootstrap()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: lake run needs topics: as arguments, or --config kafka-to-s3-cm\.yaml\.$/m);
    const unknown = await runCli(['lake', uniqueName('no-such-topic'), '--dir', join(root, 'x'), ...bootstrap()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(unknown.stderr).toMatch(/does not exist/);
    const noDir = await runCli(['lake', 'ls', '--dir', join(root, 'nowhere')]);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toMatch(/^error: No data lake folder .+nowhere\.\n/);
  });
});

describe('lake run, SIGKILLed mid-run', () => {
  beforeAll(() => buildCli());

  it('restarted, it stores every record exactly once: the object in progress is written again under the same name', { timeout: 120_000 }, async () => {
    const topic = uniqueName('lake-kill');
    expectOk(await firehose(['create-topic', topic, '--partitions', '3']));
    const total = 6_000;
    expectOk(await firehose(['spam', topic, '--times', String(total)]));
    const dir = join(root, 'kill');
    const args = ['lake', topic, '--dir', dir, '--records', '10', '--max-wait', '300ms', '--group', uniqueName('lake-kill'), ...bootstrap()];
    await killAndRestart(args, {
      upText: 'Storing',
      killWhen: async () => (await listLakeObjects(dir).catch(() => [])).length >= 30,
      doneWhen: async () => (await stored(dir)).length >= total,
      what: `all ${total} records stored`,
      timeoutMs: 90_000,
    });
    const lines = await stored(dir);
    const keys = lines.map((l) => `${l.partition}/${l.offset}`);
    expect(new Set(keys).size).toBe(total);
    expect(lines).toHaveLength(total); // no record in two objects
    for (const o of await listLakeObjects(dir)) {
      expect(o.records).toBeLessThanOrEqual(10);
      const body = jsonLines<Line>(await readFile(join(dir, o.name), 'utf8'));
      expect(o.name).toBe(`${topic}/${body[0]!.partition}/${String(body[0]!.offset).padStart(20, '0')}.jsonl`);
    }
  });
});
