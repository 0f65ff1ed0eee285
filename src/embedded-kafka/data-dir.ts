// Everything a broker keeps in --data-dir:
//
//   lock              pid of the broker using the directory
//   clean-shutdown    present only while no broker runs after a clean stop
//   topics.json       the topic list (TopicRecord[]); rebuilt from logs/ if lost
//   orphaned/         partition dirs no topic owns, set aside (never deleted)
//   offsets.jsonl     committed consumer-group offsets, one JSON line per commit
//   producer-ids      the next unallocated idempotent producer id
//   transactions.json transactional ids: producer id, epoch, the open transaction's
//                     partitions, groups and pending offsets (transaction-coordinator.ts)
//   logs/<topic>-<p>/ partition segment files (see partition-log.ts)
//
// Durability: log segments are fsynced every second and at shutdown.
// offsets.jsonl is written with write(2) and never fsynced: it survives a
// process crash, while an OS crash may lose the last second. topics.json,
// transactions.json and producer-ids are small writes replaced by tmp + fsync + rename, so a crash
// leaves the old file or the new one, never an empty one. A write that fails
// (a full disk) changes nothing and is reported to the caller.
import fs from 'node:fs';
import path from 'node:path';
import { FirehoseError } from '../errors.js';
import type { CommittedOffset, OffsetStore } from './offset-store.js';
import type { TransactionRecord, TransactionStore } from './transaction-coordinator.js';
import { describeFsError, storageError } from './storage-error.js';

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
  /**
   * True when the last broker on this dir stopped cleanly (every segment
   * fsynced and closed): a segment that does not read back then is corrupt,
   * not torn by a crash, and nothing of it may be cut.
   */
  readonly cleanShutdown: boolean;

  private constructor(dir: string, cleanShutdown: boolean) {
    this.path = dir;
    this.cleanShutdown = cleanShutdown;
  }

  /**
   * Creates the directory if needed and locks it against a second broker.
   * Throws a FirehoseError (BROKER_DATA_DIR) naming the real cause.
   */
  static open(dir: string): DataDir {
    makeDirectory(path.join(dir, 'logs'), dir);
    try {
      takeLock(path.join(dir, 'lock'), dir);
    } catch (error) {
      if (error instanceof FirehoseError) throw error;
      throw new FirehoseError('BROKER_DATA_DIR', `cannot use data dir ${dir}: cannot write its lock file: ${describeFsError(error)}`, { hint: HINT_WRITABLE, cause: error });
    }
    const marker = path.join(dir, CLEAN_SHUTDOWN);
    const clean = fs.existsSync(marker);
    // From here on a crash must read as one: the marker comes back only with close().
    if (clean) fs.rmSync(marker, { force: true });
    const dataDir = new DataDir(dir, clean);
    dataDir.nextId = dataDir.idLimit = readProducerIdLimit(path.join(dir, 'producer-ids'));
    return dataDir;
  }

  /**
   * The topic list. When topics.json is missing it is rebuilt from the
   * partition directories under logs/ (as Kafka finds its topics in its log
   * dirs), and partition directories that no listed topic owns are set aside
   * under orphaned/, so a later topic of the same name starts empty.
   * `notes` says what was done, for the broker's log.
   */
  loadTopics(): { topics: TopicRecord[]; notes: string[] } {
    const file = path.join(this.path, 'topics.json');
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new FirehoseError('BROKER_DATA_DIR', `cannot read ${file}: ${describeFsError(error)}`, { hint: HINT_WRITABLE, cause: error });
      }
    }
    const found = this.partitionDirs();
    const notes: string[] = [];
    if (text === undefined) {
      const topics = [...found.byTopic].map(([name, partitions]) => ({ name, partitions: Math.max(...partitions) + 1, configs: {}, createdAt: Date.now() }));
      if (topics.length > 0) {
        this.saveTopics(topics);
        notes.push(`${file} was missing: rebuilt ${topics.length} topic${topics.length === 1 ? '' : 's'} from the partition directories under logs/ (${topics.map((t) => `${t.name}: ${t.partitions} partition${t.partitions === 1 ? '' : 's'}`).join(', ')}); topic configs set with create-topic --config were not recoverable`);
      }
      return { topics, notes };
    }
    const topics = parseTopics(text, file);
    const owned = new Set(topics.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => `${t.name}-${p}`)));
    const orphans = found.dirs.filter((name) => !owned.has(name));
    if (orphans.length > 0) {
      const aside = path.join(this.path, 'orphaned', new Date().toISOString().replace(/[:.]/g, '-'));
      fs.mkdirSync(aside, { recursive: true });
      for (const name of orphans) fs.renameSync(path.join(this.path, 'logs', name), path.join(aside, name));
      notes.push(`${orphans.length} partition director${orphans.length === 1 ? 'y' : 'ies'} under logs/ belong to no topic in topics.json (${orphans.join(', ')}): moved to ${aside}, so a new topic of that name starts empty; delete it once you do not need it`);
    }
    return { topics, notes };
  }

  /** Replaces topics.json; on failure (a full disk) the old file stays and a KAFKA_STORAGE_ERROR is thrown. */
  saveTopics(topics: TopicRecord[]): void {
    const file = path.join(this.path, 'topics.json');
    try {
      replaceFile(file, `${JSON.stringify(topics, null, 2)}\n`);
    } catch (error) {
      throw storageError(`write ${file}`, error);
    }
  }

  /** The `<topic>-<partition>` directories under logs/. */
  private partitionDirs(): { dirs: string[]; byTopic: Map<string, number[]> } {
    const dirs: string[] = [];
    const byTopic = new Map<string, number[]>();
    for (const entry of fs.readdirSync(path.join(this.path, 'logs'), { withFileTypes: true })) {
      const match = /^(.+)-(\d+)$/.exec(entry.name);
      if (!entry.isDirectory() || !match) continue;
      dirs.push(entry.name);
      const partitions = byTopic.get(match[1]!) ?? [];
      partitions.push(Number(match[2]));
      byTopic.set(match[1]!, partitions);
    }
    return { dirs: dirs.sort(), byTopic };
  }

  /** `<data dir>/logs/<topic>-<partition>`; topic names are [a-zA-Z0-9._-], safe as file names. */
  partitionDir(topic: string, partition: number): string {
    return path.join(this.path, 'logs', `${topic}-${partition}`);
  }

  /** The file-backed offset store (one per data dir). */
  offsetStore(): OffsetStore {
    this.offsets ??= new FileOffsetStore(path.join(this.path, 'offsets.jsonl'));
    return this.offsets;
  }

  /** transactions.json: replaced whole (tmp + fsync + rename) on every change, before the change is answered. */
  transactionStore(): TransactionStore {
    const file = path.join(this.path, 'transactions.json');
    return {
      load: () => {
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
          throw new FirehoseError('BROKER_DATA_DIR', `cannot read ${file}: ${describeFsError(error)}`, { hint: HINT_WRITABLE, cause: error });
        }
        try {
          const parsed = JSON.parse(text) as unknown;
          if (!Array.isArray(parsed)) throw new Error('expected a JSON array');
          return parsed as TransactionRecord[];
        } catch (error) {
          throw new FirehoseError('BROKER_DATA_DIR', `${file} is damaged: ${(error as Error).message}`, {
            hint: 'move it away to start without transaction state: transactions the logs hold open are then aborted at start',
          });
        }
      },
      save: (records) => {
        try {
          replaceFile(file, `${JSON.stringify(records)}\n`);
        } catch (error) {
          throw storageError(`write ${file}`, error);
        }
      },
    };
  }

  /** A producer id never handed out before, also across restarts. */
  nextProducerId(): bigint {
    if (this.nextId >= this.idLimit) {
      this.idLimit = this.nextId + PRODUCER_ID_BLOCK;
      replaceFile(path.join(this.path, 'producer-ids'), `${this.idLimit}\n`);
    }
    return this.nextId++;
  }

  /**
   * Closes the offset store and releases the lock. `clean` (every partition
   * log already flushed and closed) leaves the marker that tells the next
   * open nothing was torn.
   */
  close(clean = false): void {
    if (this.closed) return;
    this.closed = true;
    this.offsets?.close();
    if (clean) {
      try {
        fs.writeFileSync(path.join(this.path, CLEAN_SHUTDOWN), `${new Date().toISOString()}\n`);
      } catch {
        // Without the marker the next start treats the stop as a crash: safe, only stricter.
      }
    }
    const lock = path.join(this.path, 'lock');
    // Only remove a lock that is still ours.
    if (readLockPid(lock) === process.pid) fs.rmSync(lock, { force: true });
  }
}

const CLEAN_SHUTDOWN = 'clean-shutdown';
const HINT_WRITABLE = 'use a data dir on a writable local file system that this user can create and write';

/** A topics.json as written by saveTopics, checked field by field. */
function parseTopics(text: string, file: string): TopicRecord[] {
  const refuse = (what: string): never => {
    throw new FirehoseError('BROKER_DATA_DIR', `${file} is damaged: ${what}`, {
      hint: `repair it, or move it away to have the topic list rebuilt from ${path.join(path.dirname(file), 'logs')} (topic configs are then lost)`,
    });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refuse(`not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) return refuse('expected a JSON array of topics');
  return parsed.map((item: unknown, index) => {
    const t = item as Partial<TopicRecord> | null;
    if (t === null || typeof t !== 'object') return refuse(`entry ${index} is not an object`);
    if (typeof t.name !== 'string' || t.name === '') return refuse(`entry ${index} has no topic name`);
    if (!Number.isInteger(t.partitions) || (t.partitions as number) < 1) return refuse(`topic ${t.name} has no valid partition count`);
    const configs = t.configs ?? {};
    if (typeof configs !== 'object' || Array.isArray(configs) || Object.values(configs).some((v) => typeof v !== 'string')) return refuse(`topic ${t.name} has configs that are not name: "value" pairs`);
    return { name: t.name, partitions: t.partitions as number, configs: configs as Record<string, string>, createdAt: typeof t.createdAt === 'number' ? t.createdAt : 0 };
  });
}

/**
 * mkdir -p, one component at a time. fs.mkdirSync(..., { recursive: true })
 * spins forever where the parent exists but refuses children (/proc), and
 * reports a read-only file system as ENOENT; here each failure names its cause.
 */
function makeDirectory(target: string, dataDir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(target); ; at = path.dirname(at)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new FirehoseError('BROKER_DATA_DIR', `cannot use data dir ${dataDir}: cannot read ${at}: ${describeFsError(error)}`, { hint: HINT_WRITABLE, cause: error });
      }
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new FirehoseError('BROKER_DATA_DIR', `cannot use data dir ${dataDir}: ${at} is a file, not a directory`, { hint: 'use a data dir that is a directory or does not exist yet' });
      break;
    }
    if (path.dirname(at) === at) break;
    missing.unshift(at);
  }
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // ENOENT with an existing parent: a virtual file system (/proc, /sys) that takes no new directories.
      const reason = code === 'ENOENT' ? `${path.dirname(dir)} does not accept new directories (ENOENT: a virtual file system such as /proc?)` : describeFsError(error);
      throw new FirehoseError('BROKER_DATA_DIR', `cannot use data dir ${dataDir}: cannot create ${dir}: ${reason}`, { hint: HINT_WRITABLE, cause: error });
    }
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
      throw new FirehoseError('BROKER_DATA_DIR', `data dir ${dir} is in use by process ${pid}`, { hint: 'stop the broker that holds it, or use another data dir' });
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

/** Replaces a small file (tmp + fsync + rename) so a crash leaves either the old or the new content. */
export function replaceFile(file: string, content: string): void {
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
  | { deleteTopic: string }
  | { deleteOffset: { group: string; topic: string; partition: number } };

/**
 * Committed offsets as an append-only JSON-lines file: a commit is one
 * write(2), and replaying the file in order (later lines win, tombstones
 * remove) gives the current offsets.
 */
class FileOffsetStore implements OffsetStore {
  private fd: number;
  private size: number;

  constructor(private readonly file: string) {
    const { offsets, lines } = this.replay();
    if (lines >= COMPACT_MIN_LINES && lines > 4 * offsets.length) {
      replaceFile(file, offsets.map((offset) => `${JSON.stringify(commitLine(offset))}\n`).join(''));
    }
    this.fd = fs.openSync(file, 'a');
    this.size = fs.fstatSync(this.fd).size;
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

  deleteOffset(groupId: string, topic: string, partition: number): void {
    this.append({ deleteOffset: { group: groupId, topic, partition } });
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** One line, whole or not at all: a failed write (a full disk) is cut back and reported. */
  private append(line: OffsetLine): void {
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
    try {
      for (let written = 0; written < bytes.length; ) written += fs.writeSync(this.fd, bytes, written);
      this.size += bytes.length;
    } catch (error) {
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        // replay() drops a torn last line instead.
      }
      throw storageError(`write ${this.file}`, error);
    }
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
  } else if ('deleteOffset' in line) {
    groups.get(line.deleteOffset.group)?.delete(`${line.deleteOffset.topic}\0${line.deleteOffset.partition}`);
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
