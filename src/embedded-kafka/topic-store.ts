// The broker's topics: each a list of partition logs, kept in memory and,
// with a data dir, in files that survive a restart.
import { createHash } from 'node:crypto';
import { silentLogger, type Logger } from '../logger.js';
import type { DataDir, TopicRecord } from './data-dir.js';
import { PartitionLog } from './partition-log.js';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { describeFsError, storageError } from './storage-error.js';

export interface Topic {
  name: string;
  /** 32 hex digits (a Kafka topic id), stable across restarts. */
  id: string;
  partitions: PartitionLog[];
  configs: Record<string, string>;
  createdAt: number;
}

export interface TopicStoreOptions {
  dataDir?: DataDir;
  /** Per partition, for topics that do not set retention.bytes. */
  retentionBytes: number;
  segmentBytes?: number;
  /** Where what the reload found (rebuilt topic lists, corrupt or torn segments) is reported. */
  log?: Logger;
}

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
export const MAX_PARTITIONS = 10_000;

export function validateTopicName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new KafkaProtocolError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name "${name}": use up to 249 of a-z A-Z 0-9 . _ -`);
  }
}

/**
 * The retention a topic's configs ask for: retention.bytes (else the broker's) and
 * retention.ms (else none: the embedded broker keeps records by time forever by default),
 * both only while cleanup.policy includes delete, as Kafka applies them. A compact-only
 * topic keeps everything: the embedded broker does not compact.
 */
export function retentionOf(configs: Record<string, string>, brokerRetentionBytes: number): { bytes: number; ms: number | undefined } {
  const policy = (configs['cleanup.policy'] ?? 'delete').split(',').map((p) => p.trim());
  if (!policy.includes('delete')) return { bytes: -1, ms: undefined };
  const bytes = configs['retention.bytes'] === undefined ? brokerRetentionBytes : Number(configs['retention.bytes']);
  const ms = configs['retention.ms'] === undefined ? undefined : Number(configs['retention.ms']);
  return { bytes, ms: ms === undefined || ms < 0 ? undefined : ms };
}

function topicId(name: string, createdAt: number): string {
  return createHash('sha256').update(`${name}\0${createdAt}`).digest('hex').slice(0, 32);
}

export class TopicStore {
  private readonly topics = new Map<string, Topic>();

  private readonly log: Logger;
  private syncFailed = false;

  constructor(private readonly options: TopicStoreOptions) {
    this.log = options.log ?? silentLogger;
    const loaded = options.dataDir?.loadTopics() ?? { topics: [], notes: [] };
    for (const note of loaded.notes) this.log.warn(note);
    for (const record of loaded.topics) this.open(record);
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  list(): Topic[] {
    return [...this.topics.values()];
  }

  partition(name: string, index: number): PartitionLog | undefined {
    return this.topics.get(name)?.partitions[index];
  }

  /** Throws KafkaProtocolError with the code a CreateTopics answer needs. */
  validateNew(name: string, partitions: number): void {
    validateTopicName(name);
    if (this.topics.has(name)) throw new KafkaProtocolError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new KafkaProtocolError(ErrorCode.INVALID_PARTITIONS, `a topic needs 1 to ${MAX_PARTITIONS} partitions, not ${partitions}`);
    }
  }

  /**
   * Creates the topic's partition logs, then records it in topics.json; only
   * then does it exist. A failure (a full disk) leaves no trace of it and
   * throws KAFKA_STORAGE_ERROR naming the cause.
   */
  create(name: string, partitions: number, configs: Record<string, string> = {}): Topic {
    this.validateNew(name, partitions);
    const record: TopicRecord = { name, partitions, configs, createdAt: Date.now() };
    const logs = this.openLogs(name, 0, partitions, configs);
    try {
      this.save([...this.records(), record]);
    } catch (error) {
      for (const log of logs) log.deleteFiles();
      throw error;
    }
    const topic: Topic = { name, id: topicId(name, record.createdAt), partitions: logs, configs: { ...configs }, createdAt: record.createdAt };
    this.topics.set(name, topic);
    return topic;
  }

  addPartitions(name: string, count: number): void {
    const topic = this.require(name);
    if (!Number.isInteger(count) || count <= topic.partitions.length || count > MAX_PARTITIONS) {
      throw new KafkaProtocolError(ErrorCode.INVALID_PARTITIONS, `topic "${name}" has ${topic.partitions.length} partitions; the new count must be larger (and at most ${MAX_PARTITIONS})`);
    }
    const added = this.openLogs(name, topic.partitions.length, count, topic.configs);
    try {
      this.save(this.records().map((r) => (r.name === name ? { ...r, partitions: count } : r)));
    } catch (error) {
      for (const log of added) log.deleteFiles();
      throw error;
    }
    topic.partitions.push(...added);
  }

  /**
   * Replaces the topic's configs (AlterConfigs and IncrementalAlterConfigs, already
   * validated): saved to topics.json first, so a failure (a full disk) changes nothing;
   * then its partitions take the retention the new configs ask for (applied by the next
   * retention check).
   */
  setConfigs(name: string, configs: Record<string, string>): void {
    const topic = this.require(name);
    this.save(this.records().map((r) => (r.name === name ? { ...r, configs } : r)));
    topic.configs = { ...configs };
    const retention = retentionOf(topic.configs, this.options.retentionBytes);
    for (const log of topic.partitions) log.setRetention(retention.bytes, retention.ms);
  }

  /**
   * The periodic retention check: every partition drops what its topic's retention.ms and
   * retention.bytes no longer keep. A partition that cannot (a full disk) is logged and
   * tried again next time.
   */
  applyRetention(nowMs: number): void {
    for (const topic of this.topics.values()) {
      topic.partitions.forEach((log, p) => {
        try {
          const deleted = log.applyRetention(nowMs);
          if (deleted) this.log.info(`retention: deleted offsets ${deleted.from} to ${deleted.to - 1n} of ${topic.name}-${p}; it now starts at ${deleted.to}`);
        } catch (error) {
          this.log.warn(`retention: cannot delete old records of ${topic.name}-${p}: ${describeFsError(error)}; trying again at the next check`);
        }
      });
    }
  }

  /** Forgets the topic in topics.json first, so a failure there leaves it whole; then removes its files. */
  delete(name: string): void {
    const topic = this.require(name);
    this.save(this.records().filter((r) => r.name !== name));
    this.topics.delete(name);
    for (const log of topic.partitions) log.deleteFiles();
  }

  /** fsync every open segment (the data dir's once-a-second policy); a failure is logged, and the stop is then not clean. */
  flush(): void {
    for (const topic of this.topics.values()) {
      topic.partitions.forEach((log, p) => {
        try {
          log.flush();
        } catch (error) {
          this.syncFailed = true;
          this.log.warn(`cannot fsync partition ${topic.name}-${p}: ${describeFsError(error)}; records acknowledged in the last second may not be on disk`);
        }
      });
    }
  }

  /** Flushes and closes every log; true when all of it reached the disk (a clean shutdown). */
  close(): boolean {
    let clean = !this.syncFailed;
    for (const topic of this.topics.values()) {
      topic.partitions.forEach((log, p) => {
        try {
          log.close();
        } catch (error) {
          clean = false;
          this.log.warn(`cannot close partition ${topic.name}-${p}: ${describeFsError(error)}`);
        }
      });
    }
    this.topics.clear();
    return clean;
  }

  private require(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    return topic;
  }

  private open(record: TopicRecord): Topic {
    const partitions = Array.from({ length: record.partitions }, (_, p) => this.openLog(record.name, p, this.options.dataDir?.cleanShutdown ?? false, record.configs));
    const topic: Topic = { name: record.name, id: topicId(record.name, record.createdAt), partitions, configs: { ...record.configs }, createdAt: record.createdAt };
    this.topics.set(record.name, topic);
    return topic;
  }

  private openLog(name: string, partition: number, cleanShutdown: boolean, configs: Record<string, string>): PartitionLog {
    const retention = retentionOf(configs, this.options.retentionBytes);
    return PartitionLog.open({
      retentionBytes: retention.bytes,
      retentionMs: retention.ms,
      segmentBytes: this.options.segmentBytes,
      dir: this.options.dataDir?.partitionDir(name, partition),
      cleanShutdown,
      name: `${name}-${partition}`,
      log: this.log,
    });
  }

  /** New, empty partition logs [from, to); on a failure the ones made so far are removed again. */
  private openLogs(name: string, from: number, to: number, configs: Record<string, string>): PartitionLog[] {
    const logs: PartitionLog[] = [];
    try {
      for (let p = from; p < to; p++) logs.push(this.openLog(name, p, true, configs));
    } catch (error) {
      for (const log of logs) log.deleteFiles();
      throw storageError(`create the partition directories of ${name}`, error);
    }
    return logs;
  }

  private records(): TopicRecord[] {
    return this.list().map((t) => ({ name: t.name, partitions: t.partitions.length, configs: t.configs, createdAt: t.createdAt }));
  }

  private save(records: TopicRecord[]): void {
    this.options.dataDir?.saveTopics(records);
  }
}
