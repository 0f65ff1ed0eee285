import { setTimeout as delay } from 'node:timers/promises';
import type { KafkaClient } from './connect.js';
import { fromWireRecord, type ConsumedRecord } from './records.js';
import { explainStartPosition, type OffsetReset, type StartPosition } from './start-position.js';
import { StopSignal, type StopReason } from './stop-signal.js';
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
  let processed = 0;

  const store = async (record: ConsumedRecord): Promise<boolean> => {
    onEvent({ kind: 'store-start', record });
    await delay(options.storeMs, undefined, { signal: options.signal }).catch(() => {});
    if (stop.stopped) return false; // interrupted mid-store: the data never reached the store
    onEvent({ kind: 'store-end', record });
    return true;
  };

  const { runGroupMember } = await import('./group-member.js');
  const memberOptions = {
    group: options.group,
    topic: options.topic,
    offsetReset: options.offsetReset,
    // Only the demo's own per-message commits: nothing is committed on the way out.
    commit: 'manual' as const,
    stop,
    what: `consume ${options.topic}`,
    onAssign: (partitions: number[]) => onEvent({ kind: 'assign', partitions }),
  };
  const stoppedBy = await runGroupMember(client, memberOptions, async (batch, member) => {
    const commit = async (record: ConsumedRecord) => {
      const nextOffset = Number(record.offset) + 1;
      await member.commit(record.partition, nextOffset);
      onEvent({ kind: 'committed', record, nextOffset: String(nextOffset) });
    };
    for (const raw of batch.records) {
      // Stopped: leave the rest uncommitted and unprinted.
      if (stop.stopped) return;
      const record = fromWireRecord(batch.topic, batch.partition, raw);
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
      if (options.maxMessages !== undefined && processed >= options.maxMessages) {
        stop.stop('max-messages');
        return;
      }
    }
  });
  return {
    topic: options.topic,
    group: options.group,
    processed,
    order: options.commitBeforeStore ? 'commit-then-store' : 'store-then-commit',
    guarantee: options.commitBeforeStore ? 'at-most-once' : 'at-least-once',
    stoppedBy,
  };
}
