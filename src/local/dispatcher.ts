import { recordToCloudEvent, type KafkaSourceIdentity } from '../events/record-to-cloudevent.js';
import { consumeBatches, type BatchControl, type RawRecord, type RecordBatch } from '../kafka/batches.js';
import type { KafkaClient } from '../kafka/connect.js';
import { StopSignal, type StopReason } from '../kafka/stop-signal.js';
import { requireTopic } from '../kafka/topics.js';
import type { RetryPolicy } from './delivery.js';
import { deliverWithRetry, postEvent } from './http-delivery.js';
import { limiter } from '../util/limit.js';

/** Unordered delivery's bound on events in flight: Knative's is max.poll.records, 500 by default. */
const MAX_IN_FLIGHT = 500;

export interface DispatcherOptions {
  topic: string;
  /** The KafkaSource's consumer group (knative-group-<N> in the lab). */
  group: string;
  sinkUrl: string;
  source: KafkaSourceIdentity;
  initialOffset: 'earliest' | 'latest';
  /** ordered: one event in flight per partition, in offset order; unordered: a batch at once. */
  ordering: 'ordered' | 'unordered';
  retry: RetryPolicy;
  deadLetterUrl?: string;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

export type DispatchEvent =
  | { kind: 'assign'; partitions: number[] }
  | { kind: 'delivered'; id: string; status: number; attempts: number; partition: number; offset: string }
  | { kind: 'retry'; id: string; status: number | string; attempt: number; delayMs: number }
  | { kind: 'dead-letter'; id: string; status: number | string }
  | { kind: 'dropped'; id: string; status: number | string };

export interface DispatcherResult {
  delivered: number;
  deadLettered: number;
  dropped: number;
  stoppedBy: StopReason;
}

/**
 * The KafkaSource data plane on this machine: consume `topic` in `group`, turn each record
 * into a CloudEvent by Knative's rules, POST it to the sink in binary mode with retries,
 * and only then mark its offset for commit. A record is never committed before the sink
 * answered 2xx or the event reached the dead-letter sink, so a crash re-delivers it.
 */
export async function runDispatcher(client: KafkaClient, options: DispatcherOptions, onEvent: (event: DispatchEvent) => void): Promise<DispatcherResult> {
  await requireTopic(client, options.topic);
  const stop = new StopSignal(undefined, options.signal);
  const counts = { delivered: 0, deadLettered: 0, dropped: 0 };
  const inFlight = limiter(MAX_IN_FLIGHT);

  /** Delivers one record until it is settled (2xx, dead letter, or a final 4xx); false if stopped. */
  const settle = async (record: RawRecord): Promise<boolean> => {
    const { partition } = record;
    const event = recordToCloudEvent(record, options.source);
    const id = event.attributes.id ?? `${partition}/${record.offset}`;
    const post = { timeoutMs: options.requestTimeoutMs, signal: options.signal };
    const outcome = await deliverWithRetry(options.sinkUrl, event, options.retry, post, (status, attempt, delayMs) =>
      onEvent({ kind: 'retry', id, status, attempt, delayMs }));
    if (outcome.aborted || stop.stopped) return false;
    if (outcome.ok) {
      counts.delivered += 1;
      onEvent({ kind: 'delivered', id, status: outcome.status as number, attempts: outcome.attempts, partition, offset: record.offset });
      return true;
    }
    if (options.deadLetterUrl) {
      const dead = await postEvent(options.deadLetterUrl, event, post);
      // Not committed unless the dead-letter sink took it: the batch is retried instead.
      if (!dead.ok) throw new Error(`dead-letter sink ${options.deadLetterUrl} answered ${dead.status} for ${id}`);
      counts.deadLettered += 1;
      onEvent({ kind: 'dead-letter', id, status: outcome.status });
      return true;
    }
    counts.dropped += 1;
    onEvent({ kind: 'dropped', id, status: outcome.status });
    return true;
  };

  const handleBatch = async (batch: RecordBatch, { resolveOffset, heartbeat, isRunning }: BatchControl) => {
    if (options.ordering === 'ordered') {
      for (const record of batch.records) {
        if (!isRunning() || stop.stopped) return;
        if (!(await settle(record))) return;
        resolveOffset(record.offset);
        await heartbeat();
      }
      return;
    }
    // unordered: the batch in flight at once, at most MAX_IN_FLIGHT events for the whole
    // dispatcher (Knative caps them at max.poll.records); offsets resolve in order as a prefix settles.
    const settled = await Promise.all(batch.records.map((record) => inFlight(() => settle(record))));
    for (let i = 0; i < settled.length && settled[i]; i++) resolveOffset(batch.records[i]!.offset);
    await heartbeat();
  };

  // A short session: after a crash the group hands the partitions on within 10 s, not 30.
  const stoppedBy = await consumeBatches(client, {
    groupId: options.group,
    topic: options.topic,
    fromBeginning: options.initialOffset === 'earliest',
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 2_000,
    maxWaitMs: 200,
    concurrency: 16,
    commitIntervalMs: 500,
    stop,
    what: `dispatch ${options.topic}`,
    onAssign: (partitions) => onEvent({ kind: 'assign', partitions }),
  }, handleBatch);
  return { ...counts, stoppedBy };
}
