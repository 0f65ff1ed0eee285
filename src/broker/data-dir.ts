// Everything a broker keeps in --data-dir:
//
//   lock              pid of the broker using the directory
//   topics.json       the topic list (TopicRecord[])
//   offsets.jsonl     committed consumer-group offsets, one JSON line per commit
//   producer-ids      the next unallocated idempotent producer id
//   logs/<topic>-<p>/ partition segment files (see partition-log.ts)
//
// Durability: log segments are fsynced every second and at shutdown.
// offsets.jsonl is written with write(2) and never fsynced: it survives a
// process crash, while an OS crash may lose the last second. topics.json and
// producer-ids are rare writes replaced by tmp + fsync + rename, so a crash
// leaves the old file or the new one, never an empty one.
import fs from 'node:fs';
import path from 'node:path';
import type { CommittedOffset, OffsetStore } from './offset-store.js';

export interface TopicRecord {
  name: string;
  partitions: number;
  configs: Record<string, string>;
  /** ms since epoch. */
  createdAt: number;
}

/** Producer ids are persisted a block at a time, so most allocations write nothing. */
const PRODUCER_ID_BLOCK = 1000n;
/** offsets.jsonl is compacted on open once it holds this many lines and 4x more than live keys. */
const COMPACT_MIN_LINES = 1000;

export class DataDir {
  private offsets: FileOffsetStore | undefined;
  private nextId = 0n;
  private idLimit = 0n;
  private closed = false;

  /** The data dir itself. */
  readonly path: string;

  private constructor(dir: string) {
    this.path = dir;
  }

  /** Creates the directory if needed and locks it against a second broker. */
  static open(dir: string): DataDir {
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    takeLock(path.join(dir, 'lock'), dir);
    const dataDir = new DataDir(dir);
    dataDir.nextId = dataDir.idLimit = readProducerIdLimit(path.join(dir, 'producer-ids'));
    return dataDir;
  }

  loadTopics(): TopicRecord[] {
    const file = path.join(this.path, 'topics.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      return JSON.parse(text) as TopicRecord[];
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}); repair it or delete it to start without topics`);
    }
  }

  saveTopics(topics: TopicRecord[]): void {
    replaceFile(path.join(this.path, 'topics.json'), `${JSON.stringify(topics, null, 2)}\n`);
  }

  /** `<data dir>/logs/<topic>-<partition>`; topic names are [a-zA-Z0-9._-], safe as file names. */
  partitionDir(topic: string, partition: number): string {
    return path.join(this.path, 'logs', `${topic}-${partition}`);
  }

  deleteTopicFiles(topic: string, partitions: number): void {
    for (let p = 0; p < partitions; p++) fs.rmSync(this.partitionDir(topic, p), { recursive: true, force: true });
  }

  /** The file-backed offset store (one per data dir). */
  offsetStore(): OffsetStore {
    this.offsets ??= new FileOffsetStore(path.join(this.path, 'offsets.jsonl'));
    return this.offsets;
  }

  /** A producer id never handed out before, also across restarts. */
  nextProducerId(): bigint {
    if (this.nextId >= this.idLimit) {
      this.idLimit = this.nextId + PRODUCER_ID_BLOCK;
      replaceFile(path.join(this.path, 'producer-ids'), `${this.idLimit}\n`);
    }
    return this.nextId++;
  }

  /** Closes the offset store and releases the lock. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offsets?.close();
    const lock = path.join(this.path, 'lock');
    // Only remove a lock that is still ours.
    if (readLockPid(lock) === process.pid) fs.rmSync(lock, { force: true });
  }
}

function takeLock(lock: string, dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const pid = readLockPid(lock);
    if (pid !== undefined && isAlive(pid)) {
      throw new Error(`data dir ${dir} is in use by process ${pid}; stop that broker or pick another --data-dir`);
    }
    // Left by a broker that died without closing: take it over.
    fs.rmSync(lock, { force: true });
  }
}

function readLockPid(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProducerIdLimit(file: string): bigint {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? BigInt(text) : 0n;
  } catch {
    return 0n;
  }
}

/** Replaces a file so a crash leaves either the old or the new content. */
function replaceFile(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** One line of offsets.jsonl: a commit, or a tombstone for a group or a topic. */
type OffsetLine =
  | { group: string; topic: string; partition: number; offset: string; metadata: string | null; commitTimestamp: number }
  | { deleteGroup: string }
  | { deleteTopic: string };

/**
 * Committed offsets as an append-only JSON-lines file: a commit is one
 * write(2), and replaying the file in order (later lines win, tombstones
 * remove) gives the current offsets.
 */
class FileOffsetStore implements OffsetStore {
  private fd: number;

  constructor(private readonly file: string) {
    const { offsets, lines } = this.replay();
    if (lines >= COMPACT_MIN_LINES && lines > 4 * offsets.length) {
      replaceFile(file, offsets.map((offset) => `${JSON.stringify(commitLine(offset))}\n`).join(''));
    }
    this.fd = fs.openSync(file, 'a');
  }

  load(): CommittedOffset[] {
    return this.replay().offsets;
  }

  save(offset: CommittedOffset): void {
    this.append(commitLine(offset));
  }

  deleteGroup(groupId: string): void {
    this.append({ deleteGroup: groupId });
  }

  deleteTopic(topic: string): void {
    this.append({ deleteTopic: topic });
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private append(line: OffsetLine): void {
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  /**
   * Reads the file into the latest offset per group/topic/partition. A last
   * line torn by a crash (no newline) is cut off, so the next commit starts on
   * a line of its own.
   */
  private replay(): { offsets: CommittedOffset[]; lines: number } {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { offsets: [], lines: 0 };
      throw error;
    }
    const complete = bytes.lastIndexOf(0x0a) + 1;
    if (complete < bytes.length) fs.truncateSync(this.file, complete);
    const groups = new Map<string, Map<string, CommittedOffset>>();
    let lines = 0;
    for (const raw of bytes.toString('utf8', 0, complete).split('\n')) {
      if (raw === '') continue;
      lines++;
      try {
        applyLine(groups, JSON.parse(raw) as OffsetLine);
      } catch {
        // A damaged line loses one commit, not the file.
      }
    }
    const offsets: CommittedOffset[] = [];
    for (const group of groups.values()) for (const offset of group.values()) offsets.push(offset);
    return { offsets, lines };
  }
}

function applyLine(groups: Map<string, Map<string, CommittedOffset>>, line: OffsetLine): void {
  if ('deleteGroup' in line) {
    groups.delete(line.deleteGroup);
  } else if ('deleteTopic' in line) {
    for (const offsets of groups.values()) {
      for (const [key, offset] of offsets) if (offset.topic === line.deleteTopic) offsets.delete(key);
    }
  } else {
    const offset: CommittedOffset = {
      groupId: line.group,
      topic: line.topic,
      partition: line.partition,
      offset: BigInt(line.offset),
      metadata: line.metadata,
      commitTimestamp: line.commitTimestamp,
    };
    let offsets = groups.get(line.group);
    if (offsets === undefined) groups.set(line.group, (offsets = new Map()));
    offsets.set(`${line.topic}\0${line.partition}`, offset);
  }
}

function commitLine(offset: CommittedOffset): OffsetLine {
  return {
    group: offset.groupId,
    topic: offset.topic,
    partition: offset.partition,
    offset: offset.offset.toString(),
    metadata: offset.metadata,
    commitTimestamp: offset.commitTimestamp,
  };
}
