import { setTimeout as delay } from 'node:timers/promises';
import type { KafkaClient } from './connect.js';
import { toConsumedRecord, type ConsumedRecord } from './records.js';
import { explainStartPosition, type OffsetReset, type StartPosition } from './start-position.js';
import { runUntilStopped, StopSignal, watchGroup, type StopReason } from './stop-signal.js';
import { requireTopic } from './topics.js';

export interface CommitDemoOptions {
  topic: string;
  group: string;
  /** How long "storing" one message takes. */
  storeMs: number;
  /** The unsafe order: commit first, then store (at-most-once). */
  commitBeforeStore: boolean;
  offsetReset: OffsetReset;
  maxMessages?: number;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

export type CommitDemoEvent =
  | { kind: 'start'; position: StartPosition }
  | { kind: 'assign'; partitions: number[] }
  | { kind: 'message'; record: ConsumedRecord }
  | { kind: 'store-start'; record: ConsumedRecord }
  | { kind: 'store-end'; record: ConsumedRecord }
  | { kind: 'committed'; record: ConsumedRecord; nextOffset: string };

export interface CommitDemoResult {
  topic: string;
  group: string;
  processed: number;
  order: 'store-then-commit' | 'commit-then-store';
  guarantee: 'at-least-once' | 'at-most-once';
  stoppedBy: StopReason;
}

/**
 * Seed 004's commit demo: per message, print, store (a wait), then commit that message's
 * offset; or, with commitBeforeStore, the other way round. A stop during "storing"
 * leaves the message uncommitted in the safe order, so the group reads it again.
 */
export async function runCommitDemo(client: KafkaClient, options: CommitDemoOptions, onEvent: (event: CommitDemoEvent) => void): Promise<CommitDemoResult> {
  await requireTopic(client, options.topic);
  onEvent({ kind: 'start', position: await explainStartPosition(client, options.topic, { group: options.group, anonymous: false, fromBeginning: false, offsetReset: options.offsetReset }) });
  const stop = new StopSignal(options.idleTimeoutMs, options.signal);
  const consumer = await client.consumer({ groupId: options.group, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
  watchGroup(consumer, options.topic, stop, (_topic, partitions) => onEvent({ kind: 'assign', partitions }));
  let processed = 0;

  const commit = async (record: ConsumedRecord) => {
    const nextOffset = (BigInt(record.offset) + 1n).toString();
    await consumer.commitOffsets([{ topic: record.topic, partition: record.partition, offset: nextOffset }]);
    onEvent({ kind: 'committed', record, nextOffset });
  };
  const store = async (record: ConsumedRecord): Promise<boolean> => {
    onEvent({ kind: 'store-start', record });
    await delay(options.storeMs, undefined, { signal: options.signal }).catch(() => {});
    if (stop.stopped) return false; // interrupted mid-store: the data never reached the store
    onEvent({ kind: 'store-end', record });
    return true;
  };

  const stoppedBy = await runUntilStopped(client, consumer, stop, { topic: options.topic, fromBeginning: options.offsetReset === 'earliest' }, {
    autoCommit: false,
    eachMessage: async ({ topic, partition, message, pause }) => {
      if (stop.stopped) {
        pause(); // leave the rest uncommitted and unprinted
        return;
      }
      const record = toConsumedRecord(topic, partition, message);
      onEvent({ kind: 'message', record });
      if (options.commitBeforeStore) {
        await commit(record);
        if (!(await store(record))) return;
      } else {
        if (!(await store(record))) return;
        await commit(record);
      }
      processed += 1;
      stop.touch();
      if (options.maxMessages !== undefined && processed >= options.maxMessages) stop.stop('max-messages');
    },
  }, `consume ${options.topic}`);
  return {
    topic: options.topic,
    group: options.group,
    processed,
    order: options.commitBeforeStore ? 'commit-then-store' : 'store-then-commit',
    guarantee: options.commitBeforeStore ? 'at-most-once' : 'at-least-once',
    stoppedBy,
  };
}
