// `firehose mirror run` from the suite's Kafka (the "factory") to firehose's embedded Kafka
// broker started here (the "central" cluster): MirrorMaker2's names, partitions, keys,
// headers and timestamps kept, nothing mirrored back, group offsets translated, the same
// topics and records as Apache Kafka's own MirrorMaker2 writes, and a mirror SIGKILLed
// mid-run that, restarted, loses nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorPattern, targetTopicName, topicsToMirror } from '../../src/edge/mirror.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { buildCli } from '../support/build.js';
import { killAndRestart, runCli, startInProcess } from '../support/cli.js';
import { expectOk, firehose, jsonLines, produce, type RecordJson } from '../support/cli-kafka.js';
import { kafkaFromTests, uniqueName } from '../support/kafka-env.js';
import { startMirrorMaker2 } from '../support/mirror-maker2.js';
import { waitFor } from '../support/wait.js';

let central: EmbeddedBroker;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'firehose-mirror-'));
  central = await startEmbeddedBroker({ port: 0, dataDir });
});
afterAll(async () => {
  await central?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const onCentral = (argv: string[]) => runCli([...argv, '--bootstrap', central.bootstrap]);

/** Every record of a topic on the central cluster now (from the beginning to the end). */
async function centralRecords(topic: string): Promise<RecordJson[]> {
  const result = await onCentral(['consume', topic, '--from-beginning', '-e', '--format', 'json']);
  if (result.code !== 0) return [];
  return jsonLines<RecordJson>(result.stdout);
}

const mirrorArgs = (pattern: string, extra: string[] = []) => ['mirror', 'run', '--source', kafkaFromTests().bootstrap, '--target', central.bootstrap,
  '--source-alias', 'factory', '--target-alias', 'central', '--topics', pattern, ...extra];

describe('which topics, under which names (MirrorMaker2\'s policies)', () => {
  const options = { sourceAlias: 'manuela-factory', targetAlias: 'manuela-central', separator: '.', topics: mirrorPattern('.*', '--topics') };
  it('every topic but internal ones, MirrorMaker2\'s own, and those that came from the target', () => {
    expect(topicsToMirror(['iot-sensor-sw-temperature', '__consumer_offsets', 'mm2-offsets.central.internal', 'heartbeats', 'manuela-central.x', 'manuela-central_y', 'a.checkpoints.internal'], options))
      .toEqual(['iot-sensor-sw-temperature', 'manuela-central_y']);
    expect(topicsToMirror(['iot-sensor-sw-temperature', 'iot-sensor-sw-vibration', 'other'], { ...options, topics: mirrorPattern('iot-sensor-.*', '--topics') }))
      .toEqual(['iot-sensor-sw-temperature', 'iot-sensor-sw-vibration']);
    // A pattern matches the whole name, as Java's does.
    expect(topicsToMirror(['xiot-sensor-1'], { ...options, topics: mirrorPattern('iot-sensor-.*', '--topics') })).toEqual([]);
  });

  it('DefaultReplicationPolicy names <alias><separator><topic>; IdentityReplicationPolicy keeps the name', () => {
    expect(targetTopicName('iot-sensor-sw-temperature', { ...options, policy: 'default' })).toBe('manuela-factory.iot-sensor-sw-temperature');
    expect(targetTopicName('t', { ...options, separator: '_', policy: 'default' })).toBe('manuela-factory_t');
    expect(targetTopicName('t', { ...options, policy: 'identity' })).toBe('t');
  });
});

describe('mirror run', () => {
  it('copies as MirrorMaker2 names them: same partitions, keys, values, headers and timestamps; nothing from the target comes back', { timeout: 60_000 }, async () => {
    const prefix = uniqueName('mm');
    const temperature = `${prefix}-temperature`;
    const back = `central.${prefix}-back`;
    for (const [topic, partitions] of [[temperature, 3], [back, 1]] as const) expectOk(await firehose(['create-topic', topic, '--partitions', String(partitions)]));
    const values = Array.from({ length: 30 }, (_, i) => `k${i % 5}:{"id":${i}}`);
    await produce(temperature, values, ['--key-separator', ':', '--header', 'source=sensor']);
    await produce(back, ['never mirrored']);

    const run = startInProcess(mirrorArgs(`(central\\.)?${prefix}-.*`, ['--groups', 'none']));
    try {
      await waitFor(async () => (await centralRecords(`factory.${temperature}`)).length >= 30, { timeoutMs: 30_000, what: '30 records mirrored', intervalMs: 250 });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    expect(run.output.stderr).toContain(`Mirroring ${temperature} → factory.${temperature} (3 partitions, created)`);
    expect(run.output.stderr).not.toContain(back);
    expect(run.output.stderr).toMatch(/Mirrored 30 records/);

    const source = jsonLines<RecordJson & { partition: number }>(expectOk(await firehose(['consume', temperature, '--from-beginning', '-e', '--format', 'json'])).stdout);
    const target = await centralRecords(`factory.${temperature}`) as Array<RecordJson & { partition: number }>;
    const shape = (r: RecordJson & { partition: number }) => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    const order = (a: { partition: number; value: unknown }, b: { partition: number; value: unknown }) => a.partition - b.partition || String(a.value).localeCompare(String(b.value));
    expect(target.map(shape).sort(order)).toEqual(source.map(shape).sort(order));
    expect(target.map((r) => r.headers)).toContainEqual({ source: 'sensor' });
    const topics = expectOk(await onCentral(['topics', '-o', 'json']));
    const names = jsonLines<Array<{ topic: string; partitions: number }>>(topics.stdout)[0]!.map((t) => t);
    expect(names.find((t) => t.topic === `factory.${temperature}`)?.partitions).toBe(3);
    expect(names.some((t) => t.topic.includes(`${prefix}-back`))).toBe(false);
  });

  it('translates a group\'s committed offset: a consumer that moves to the target resumes where it was', { timeout: 60_000 }, async () => {
    const topic = uniqueName('mm-group');
    expectOk(await firehose(['create-topic', topic, '--partitions', '1']));
    await produce(topic, Array.from({ length: 20 }, (_, i) => `v${i}`));
    const group = uniqueName('mm-consumer');
    const first = expectOk(await firehose(['consume', topic, '--group', group, '--offset-reset', 'earliest', '--max-messages', '12']));
    expect(first.stdout.trim().split('\n')).toHaveLength(12);

    const run = startInProcess(mirrorArgs(topic, ['--groups', group, '--checkpoint-interval', '200ms']));
    try {
      await waitFor(async () => {
        const described = await onCentral(['groups', 'describe', group, '-o', 'json']);
        return described.code === 0 && described.stdout.includes(`factory.${topic}`);
      }, { timeoutMs: 30_000, what: `group ${group}'s offsets on the target`, intervalMs: 250 });
    } finally {
      expect(await run.stop()).toBe(130);
    }
    const resumed = expectOk(await onCentral(['consume', `factory.${topic}`, '--group', group, '-e']));
    expect(resumed.stdout.trim().split('\n')).toEqual(Array.from({ length: 8 }, (_, i) => `v${i + 12}`));
  });

  it('bad input: a pattern that matches nothing, no source, an unreachable target: one line each', { timeout: 30_000 }, async () => {
    const none = await runCli(mirrorArgs('no-such-topic-.*'));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: No topic on the source matches --topics no-such-topic-\.\* \(of \d+ topics there/);
    const noSource = await runCli(['mirror', 'run', '--target', central.bootstrap]);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/^error: mirror run needs the source: --source host:port or --source-context NAME\.$/m);
    const unreachable = await runCli(['mirror', 'run', '--source', kafkaFromTests().bootstrap, '--target', '127.0.0.1:1', '--connect-timeout', '2s']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(unreachable.stderr).toContain('127.0.0.1:1');
    const badPattern = await runCli(mirrorArgs('(unclosed'));
    expect(badPattern.code).toBe(2);
    expect(badPattern.stderr).toMatch(/^error: --topics "\(unclosed" is not a valid regular expression/);
  });
});

describe('against Apache Kafka\'s own MirrorMaker2 on the same source', () => {
  it('names the topics and copies the records as MirrorMaker2 does: partition, key, value, headers, timestamp', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firehose-mm2-'));
    const peer = await startEmbeddedBroker({ port: 0, dataDir: join(dir, 'data') });
    const prefix = uniqueName('mm2');
    const topic = `${prefix}-vibration`;
    expectOk(await firehose(['create-topic', topic, '--partitions', '3']));
    await produce(topic, Array.from({ length: 60 }, (_, i) => `m${i % 7}:{"id":${i}}`), ['--key-separator', ':', '--header', 'unit=mm/s']);
    const mm2 = await startMirrorMaker2({ sourceAlias: 'factory', targetAlias: 'central', sourceBootstrap: kafkaFromTests().bootstrap, targetBootstrap: peer.bootstrap, topics: `${prefix}-.*`, dir });
    const run = startInProcess(mirrorArgs(`${prefix}-.*`, ['--groups', 'none']));
    const read = async (bootstrap: string) => {
      const result = await runCli(['consume', `factory.${topic}`, '--from-beginning', '-e', '--format', 'json', '--bootstrap', bootstrap]);
      return result.code === 0 ? jsonLines<RecordJson & { partition: number }>(result.stdout) : [];
    };
    try {
      await waitFor(async () => (await read(central.bootstrap)).length >= 60, { timeoutMs: 30_000, what: 'firehose mirror run to copy 60 records', intervalMs: 250 });
      await waitFor(async () => (await read(peer.bootstrap)).length >= 60, { timeoutMs: 90_000, what: `MirrorMaker2 to copy 60 records (its log: ${mm2.output().slice(-2000)})`, intervalMs: 1000 });
    } finally {
      expect(await run.stop()).toBe(130);
      await mm2.stop();
    }
    const shape = (r: RecordJson & { partition: number }) => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    const order = (a: { partition: number; value: unknown }, b: { partition: number; value: unknown }) => a.partition - b.partition || String(a.value).localeCompare(String(b.value));
    const ours = (await read(central.bootstrap)).map(shape).sort(order);
    const theirs = (await read(peer.bootstrap)).map(shape).sort(order);
    expect(ours).toEqual(theirs);
    const topicsOn = async (bootstrap: string) => jsonLines<Array<{ topic: string; partitions: number }>>(expectOk(await runCli(['topics', '-o', 'json', '--bootstrap', bootstrap])).stdout)[0]!
      .filter((t) => t.topic.includes(prefix)).map((t) => `${t.topic}/${t.partitions}`).sort();
    expect(await topicsOn(central.bootstrap)).toEqual(await topicsOn(peer.bootstrap));
    await peer.stop();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('mirror run, SIGKILLed mid-run', () => {
  beforeAll(() => buildCli());

  it('restarted, it copies the rest: every record on the target, duplicates at most what was in flight', { timeout: 120_000 }, async () => {
    const topic = uniqueName('mm-kill');
    expectOk(await firehose(['create-topic', topic, '--partitions', '3']));
    const total = 100_000;
    expectOk(await firehose(['spam', topic, '--times', String(total)]));
    const args = mirrorArgs(topic, ['--groups', 'none']);
    let atKill = 0;
    await killAndRestart(args, {
      upText: 'Mirroring',
      killWhen: async () => (atKill = (await centralRecords(`factory.${topic}`)).length) >= 1000,
      doneWhen: async () => new Set((await centralRecords(`factory.${topic}`)).map((r) => r.value)).size >= total,
      what: `all ${total} records on the target`,
    });
    const records = await centralRecords(`factory.${topic}`);
    expect(new Set(records.map((r) => r.value)).size).toBe(total);
    console.log(`mirror SIGKILLed with about ${atKill} records on the target: ${records.length} records for ${total}, ${records.length - total} copied twice`);
    // At most the batches in flight when it died (500 records each, per partition): each is committed once the target has it.
    expect(records.length - total).toBeLessThanOrEqual(3 * 500);
  });
});
