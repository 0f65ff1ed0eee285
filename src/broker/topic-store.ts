// The broker's topics: each a list of partition logs, kept in memory and,
// with a data dir, in files that survive a restart.
import { createHash } from 'node:crypto';
import type { DataDir, TopicRecord } from './data-dir.js';
import { PartitionLog } from './partition-log.js';
import { ErrorCode, KafkaProtocolError } from './protocol/error-codes.js';

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
  retentionBytes: number;
  segmentBytes?: number;
}

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
export const MAX_PARTITIONS = 10_000;

export function validateTopicName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new KafkaProtocolError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name "${name}": use up to 249 of a-z A-Z 0-9 . _ -`);
  }
}

function topicId(name: string, createdAt: number): string {
  return createHash('sha256').update(`${name}\0${createdAt}`).digest('hex').slice(0, 32);
}

export class TopicStore {
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly options: TopicStoreOptions) {
    for (const record of options.dataDir?.loadTopics() ?? []) this.open(record);
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

  create(name: string, partitions: number, configs: Record<string, string> = {}): Topic {
    this.validateNew(name, partitions);
    const topic = this.open({ name, partitions, configs, createdAt: Date.now() });
    this.save();
    return topic;
  }

  addPartitions(name: string, count: number): void {
    const topic = this.require(name);
    if (!Number.isInteger(count) || count <= topic.partitions.length || count > MAX_PARTITIONS) {
      throw new KafkaProtocolError(ErrorCode.INVALID_PARTITIONS, `topic "${name}" has ${topic.partitions.length} partitions; the new count must be larger (and at most ${MAX_PARTITIONS})`);
    }
    for (let p = topic.partitions.length; p < count; p++) topic.partitions.push(this.openLog(name, p));
    this.save();
  }

  delete(name: string): void {
    const topic = this.require(name);
    this.topics.delete(name);
    for (const log of topic.partitions) {
      log.close();
      log.deleteFiles();
    }
    this.save();
  }

  /** fsync every open segment (the data dir's once-a-second policy). */
  flush(): void {
    for (const topic of this.topics.values()) for (const log of topic.partitions) log.flush();
  }

  close(): void {
    for (const topic of this.topics.values()) for (const log of topic.partitions) log.close();
    this.topics.clear();
  }

  private require(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    return topic;
  }

  private open(record: TopicRecord): Topic {
    const partitions = Array.from({ length: record.partitions }, (_, p) => this.openLog(record.name, p));
    const topic: Topic = { name: record.name, id: topicId(record.name, record.createdAt), partitions, configs: { ...record.configs }, createdAt: record.createdAt };
    this.topics.set(record.name, topic);
    return topic;
  }

  private openLog(name: string, partition: number): PartitionLog {
    return PartitionLog.open({
      retentionBytes: this.options.retentionBytes,
      segmentBytes: this.options.segmentBytes,
      dir: this.options.dataDir?.partitionDir(name, partition),
    });
  }

  private save(): void {
    this.options.dataDir?.saveTopics(
      this.list().map((t) => ({ name: t.name, partitions: t.partitions.length, configs: t.configs, createdAt: t.createdAt })),
    );
  }
}
