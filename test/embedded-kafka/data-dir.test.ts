// The data dir: lock, topic list, committed offsets and producer ids, each
// surviving a reopen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDir, type TopicRecord } from '../../src/embedded-kafka/data-dir.js';
import type { CommittedOffset } from '../../src/embedded-kafka/offset-store.js';
import { FirehoseError } from '../../src/errors.js';

let root: string;
const opened: DataDir[] = [];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-data-dir-'));
});

afterEach(() => {
  for (const dataDir of opened.splice(0)) dataDir.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function open(dir = root): DataDir {
  const dataDir = DataDir.open(dir);
  opened.push(dataDir);
  return dataDir;
}

/** Closes and reopens, as a broker restart does. */
function reopen(dataDir: DataDir): DataDir {
  dataDir.close();
  return open(dataDir.path);
}

function commit(groupId: string, topic: string, partition: number, offset: bigint): CommittedOffset {
  return { groupId, topic, partition, offset, metadata: offset % 2n === 0n ? null : `m${offset}`, commitTimestamp: 1_700_000_000_000 + Number(offset) };
}

const byKey = (a: CommittedOffset, b: CommittedOffset) => `${a.groupId}/${a.topic}/${a.partition}`.localeCompare(`${b.groupId}/${b.topic}/${b.partition}`);

describe('DataDir', () => {
  it('creates the directory and keeps the topic list across a reopen', () => {
    const dir = path.join(root, 'nested', 'data');
    let dataDir = open(dir);
    expect(dataDir.loadTopics()).toEqual({ topics: [], notes: [] });
    const topics: TopicRecord[] = [
      { name: 'orders', partitions: 3, configs: { 'retention.bytes': '1000' }, createdAt: 1 },
      { name: 'audit.log_v2', partitions: 1, configs: {}, createdAt: 2 },
    ];
    dataDir.saveTopics(topics);
    for (const t of topics) for (let p = 0; p < t.partitions; p++) fs.mkdirSync(dataDir.partitionDir(t.name, p));
    dataDir = reopen(dataDir);
    expect(dataDir.loadTopics()).toEqual({ topics, notes: [] });
    expect(fs.readdirSync(dir).sort()).toEqual(['lock', 'logs', 'topics.json']);
  });

  it('refuses a damaged topics.json with one line naming the file and the way out', () => {
    const dataDir = open();
    const file = path.join(root, 'topics.json');
    for (const [text, why] of [
      ['[{"name":', 'not valid JSON'],
      ['{"name":"a"}', 'expected a JSON array of topics'],
      ['[{"name":"a","partitions":"x"}]', 'topic a has no valid partition count'],
      ['[7]', 'entry 0 is not an object'],
    ]) {
      fs.writeFileSync(file, text!);
      const error = (() => {
        try {
          dataDir.loadTopics();
        } catch (caught) {
          return caught as FirehoseError;
        }
        throw new Error(`${text} was accepted`);
      })();
      expect(error).toBeInstanceOf(FirehoseError);
      expect(error.message).toBe(`${file} is damaged: ${why}${why === 'not valid JSON' ? error.message.slice(error.message.indexOf(' (')) : ''}`);
      expect(error.hint).toMatch(/move it away to have the topic list rebuilt/);
    }
  });

  it('rebuilds a missing topics.json from the partition directories, and says so', () => {
    let dataDir = open();
    for (const [name, p] of [['orders', 0], ['orders', 1], ['orders', 2], ['my-topic-7', 0]] as const) fs.mkdirSync(dataDir.partitionDir(name, p));
    const { topics, notes } = dataDir.loadTopics();
    expect(topics.map((t) => [t.name, t.partitions]).sort()).toEqual([['my-topic-7', 1], ['orders', 3]]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/topics\.json was missing: rebuilt 2 topics from the partition directories under logs\/ \(.*orders: 3 partitions.*\); topic configs .* not recoverable/);
    // The rebuilt list is written back: the next start reads it without a word.
    dataDir = reopen(dataDir);
    expect(dataDir.loadTopics().notes).toEqual([]);
  });

  it('sets aside partition directories no listed topic owns, so a new topic of that name starts empty', () => {
    const dataDir = open();
    dataDir.saveTopics([{ name: 'kept', partitions: 1, configs: {}, createdAt: 1 }]);
    for (const [name, p] of [['kept', 0], ['gone', 0], ['gone', 1]] as const) fs.mkdirSync(dataDir.partitionDir(name, p));
    fs.writeFileSync(path.join(dataDir.partitionDir('gone', 0), '00000000000000000000.log'), 'old records');
    const { topics, notes } = dataDir.loadTopics();
    expect(topics.map((t) => t.name)).toEqual(['kept']);
    expect(fs.readdirSync(path.join(root, 'logs'))).toEqual(['kept-0']);
    expect(notes[0]).toMatch(/2 partition directories under logs\/ belong to no topic in topics\.json \(gone-0, gone-1\): moved to .*orphaned/);
    const [aside] = fs.readdirSync(path.join(root, 'orphaned'));
    expect(fs.readFileSync(path.join(root, 'orphaned', aside!, 'gone-0', '00000000000000000000.log'), 'utf8')).toBe('old records');
  });

  it('fails at once, naming the cause, on a data dir that cannot be created', () => {
    // fs.mkdirSync(recursive) spins forever on /proc; this must be an error at once.
    expect(() => DataDir.open('/proc/firehose-no-such/data')).toThrow(/cannot use data dir \/proc\/firehose-no-such\/data: cannot create \/proc\/firehose-no-such: \/proc does not accept new directories/);
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    expect(() => DataDir.open(path.join(file, 'data'))).toThrow(`cannot use data dir ${path.join(file, 'data')}: ${file} is a file, not a directory`);
  });

  it('remembers whether the last broker stopped cleanly', () => {
    let dataDir = open();
    expect(dataDir.cleanShutdown).toBe(false);
    dataDir.close(true);
    dataDir = open();
    expect(dataDir.cleanShutdown).toBe(true);
    // Running again: a crash from here on must not read as a clean stop.
    expect(fs.existsSync(path.join(root, 'clean-shutdown'))).toBe(false);
    dataDir.close(false);
    expect(open().cleanShutdown).toBe(false);
  });

  it('puts partition logs under logs/', () => {
    const dataDir = open();
    expect(dataDir.partitionDir('orders', 2)).toBe(path.join(root, 'logs', 'orders-2'));
  });

  it('keeps the latest committed offset per key across a reopen, honouring deletes (group, topic, one offset)', () => {
    let dataDir = open();
    const store = dataDir.offsetStore();
    store.save(commit('g1', 'orders', 0, 5n));
    store.save(commit('g1', 'orders', 0, 9n));
    store.save(commit('g1', 'orders', 1, 3n));
    store.save(commit('g1', 'audit', 0, 4n));
    store.save(commit('g2', 'orders', 0, 7n));
    store.save(commit('g3', 'orders', 0, 1n));
    store.deleteGroup('g3');
    store.deleteTopic('audit');
    store.save(commit('g3', 'orders', 0, 2n)); // a commit after the delete counts again
    store.save(commit('g1', 'big', 0, 2n ** 62n));
    // OffsetDelete: one partition of one group.
    store.save(commit('g2', 'orders', 1, 8n));
    store.deleteOffset('g2', 'orders', 1);
    store.deleteOffset('g9', 'orders', 1); // nothing there: harmless

    dataDir = reopen(dataDir);
    expect(dataDir.offsetStore().load().sort(byKey)).toEqual(
      [commit('g1', 'big', 0, 2n ** 62n), commit('g1', 'orders', 0, 9n), commit('g1', 'orders', 1, 3n), commit('g2', 'orders', 0, 7n), commit('g3', 'orders', 0, 2n)].sort(byKey),
    );
  });

  it('cuts a commit line torn by a crash, so the next commit is read back', () => {
    let dataDir = open();
    dataDir.offsetStore().save(commit('g', 't', 0, 1n));
    dataDir.close();
    fs.appendFileSync(path.join(root, 'offsets.jsonl'), '{"group":"g","topic":"t","parti');
    dataDir = open();
    dataDir.offsetStore().save(commit('g', 't', 1, 2n));
    dataDir = reopen(dataDir);
    expect(dataDir.offsetStore().load().sort(byKey)).toEqual([commit('g', 't', 0, 1n), commit('g', 't', 1, 2n)]);
  });

  it('compacts offsets.jsonl on open when it is mostly superseded commits', () => {
    let dataDir = open();
    const store = dataDir.offsetStore();
    for (let i = 0; i < 1500; i++) store.save(commit('g', 'orders', i % 3, BigInt(i)));
    store.save(commit('other', 'audit', 0, 11n));
    const expected = store.load().sort(byKey);
    const file = path.join(root, 'offsets.jsonl');
    const linesIn = () => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    expect(linesIn()).toBe(1501);

    dataDir = reopen(dataDir);
    const compacted = dataDir.offsetStore();
    expect(linesIn()).toBe(4);
    expect(compacted.load().sort(byKey)).toEqual(expected);
    compacted.save(commit('g', 'orders', 0, 2000n));
    dataDir = reopen(dataDir);
    expect(dataDir.offsetStore().load().find((o) => o.groupId === 'g' && o.partition === 0)?.offset).toBe(2000n);
  });

  it('refuses a data dir locked by a live process, naming it', () => {
    fs.writeFileSync(path.join(root, 'lock'), `${process.pid}\n`);
    expect(() => DataDir.open(root)).toThrow(`data dir ${root} is in use by process ${process.pid}`);
    // A second broker in the same process is refused the same way.
    fs.rmSync(path.join(root, 'lock'));
    open();
    expect(() => DataDir.open(root)).toThrow(/is in use by process/);
  });

  it('takes over a lock left by a process that is gone, and releases it on close', () => {
    const lock = path.join(root, 'lock');
    fs.writeFileSync(lock, '2147483646\n');
    const dataDir = open();
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    dataDir.close();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('hands out producer ids that never repeat across reopens', () => {
    let dataDir = open();
    const first = [dataDir.nextProducerId(), dataDir.nextProducerId(), dataDir.nextProducerId()];
    expect(first).toEqual([0n, 1n, 2n]);
    dataDir = reopen(dataDir);
    const afterRestart = dataDir.nextProducerId();
    expect(afterRestart).toBeGreaterThan(2n);
    for (let i = 0; i < 1500; i++) dataDir.nextProducerId();
    const last = dataDir.nextProducerId();
    dataDir = reopen(dataDir);
    expect(dataDir.nextProducerId()).toBeGreaterThan(last);
  });
});
