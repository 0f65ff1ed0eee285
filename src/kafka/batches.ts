// Consuming in batches for firehose's own data planes (the local KafkaSource dispatcher):
// records as plain values with their raw bytes, offsets resolved by the caller once a
// record is settled, and the Kafka client's types kept behind this file.
import type { EachBatchPayload, IHeaders } from 'kafkajs';
import type { KafkaClient } from './connect.js';
import { runUntilStopped, watchGroup, type StopReason, type StopSignal } from './stop-signal.js';

/** A record as it was stored: raw key, value and header bytes. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  key: Buffer | null;
  /** A header given more than once keeps its last value (Kafka's lastHeader). */
  headers: Record<string, Buffer | string | undefined>;
  value: Buffer | null;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: RawRecord[];
}

/** What a batch handler may do while it works through a batch. */
export interface BatchControl {
  /** Marks everything up to and including `offset` as done: it is committed with the next commit. */
  resolveOffset(offset: string): void;
  /** Tells the group this member is alive (call between slow records). */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the partition moved to another member: leave the batch. */
  isRunning(): boolean;
}

export interface BatchConsumerOptions {
  groupId: string;
  topic: string;
  /** Where a group with no committed offset starts. */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Longest a fetch waits for records. */
  maxWaitMs: number;
  /** Partitions handled at once. */
  concurrency: number;
  /** How often resolved offsets are committed. */
  commitIntervalMs: number;
  stop: StopSignal;
  /** Names the work in errors ("dispatch my-topic-1"). */
  what: string;
  onAssign?: (partitions: number[]) => void;
}

function lastValue(value: IHeaders[string]): Buffer | string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * Consumes `topic` in `groupId` batch by batch until `stop` fires; only offsets the
 * handler resolved are committed, so a crash hands unsettled records to the next member.
 */
export async function consumeBatches(client: KafkaClient, options: BatchConsumerOptions, handle: (batch: RecordBatch, control: BatchControl) => Promise<void>): Promise<StopReason> {
  const consumer = await client.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: options.maxWaitMs,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
  });
  watchGroup(consumer, options.topic, options.stop, (_topic, partitions) => options.onAssign?.(partitions));
  const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    const records = batch.messages.map((message): RawRecord => {
      const headers: RawRecord['headers'] = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = lastValue(value);
      return { topic: batch.topic, partition: batch.partition, offset: message.offset, timestamp: Number(message.timestamp), key: message.key ?? null, headers, value: message.value };
    });
    await handle({ topic: batch.topic, partition: batch.partition, records }, { resolveOffset, heartbeat, isRunning: () => isRunning() && !isStale() });
  };
  return runUntilStopped(client, consumer, options.stop, { topic: options.topic, fromBeginning: options.fromBeginning }, {
    autoCommit: true,
    autoCommitInterval: options.commitIntervalMs,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency,
    eachBatch,
  }, options.what);
}
