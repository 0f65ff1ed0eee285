// Consuming in batches for firehose's own data planes (the local KafkaSource dispatcher):
// records as plain values with their raw bytes, offsets resolved by the caller once a
// record is settled, and the Kafka client's types kept behind this file.
import { setTimeout as delay } from 'node:timers/promises';
import type { ConsumedRecord } from '../protocol/records.js';
import type { KafkaClient } from './connect.js';
import { memberEvents } from './group-member.js';
import type { StopReason, StopSignal } from './stop-signal.js';

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
  /** Commits what this partition has resolved now, instead of with the next timed commit. */
  commit(): Promise<void>;
  /** Kept for handlers written for a client without its own heartbeat timer: resolves at once. */
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
  /** Records per batch handed to the handler at most (a fetched batch is split; Kafka's max.poll.records). Default: as fetched. */
  maxRecords?: number;
  /** How often resolved offsets are committed; 0: after each batch the handler finished (at most that batch is read again after a crash). */
  commitIntervalMs: number;
  stop: StopSignal;
  /** Names the work in errors ("dispatch my-topic-1"). */
  what: string;
  onAssign?: (partitions: number[]) => void;
}

/**
 * Consumes `topic` in `groupId` batch by batch until `stop` fires, on firehose's own
 * client. Batches of different partitions are handled at the same time (up to
 * `concurrency`), each partition's in offset order, while the next ones are fetched.
 * Only offsets the handler resolved are committed (every `commitIntervalMs`, when a
 * partition is revoked, and at the end), so a crash hands unsettled records to the next
 * member. A handler that throws has its partition read again from the last resolved
 * offset after a pause.
 */
export async function consumeBatches(client: KafkaClient, options: BatchConsumerOptions, handle: (batch: RecordBatch, control: BatchControl) => Promise<void>): Promise<StopReason> {
  const { topic, stop } = options;
  const cluster = await client.cluster();
  const { GroupConsumer } = await import('./wire/group.js');
  /** partition → the next offset to commit (what the handler settled). */
  const resolved = new Map<number, number>();
  const committed = new Map<number, number>();
  /** partition → a token that changes when the partition is revoked: work for an older token stops. */
  const ownership = new Map<number, number>();
  /** partition → its handler work, chained so a partition's batches run in order. */
  const chains = new Map<number, Promise<void>>();
  let inFlight = 0;
  let slotFreed: () => void = () => {};

  const commitResolved = async (partitions?: number[]) => {
    const offsets = new Map<number, number>();
    for (const [p, o] of resolved) if ((!partitions || partitions.includes(p)) && committed.get(p) !== o) offsets.set(p, o);
    if (offsets.size === 0) return;
    await consumer.commitOffsets(new Map([[topic, offsets]]));
    for (const [p, o] of offsets) committed.set(p, o);
  };
  const logFailure = (what: string) => (error: Error) => client.log?.debug(`group ${options.groupId}: ${what}: ${error.message}`);

  const consumer = new GroupConsumer(cluster, {
    groupId: options.groupId,
    topics: [topic],
    offsetReset: options.fromBeginning ? 'earliest' : 'latest',
    sessionTimeoutMs: options.sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    fetch: { maxWaitMs: options.maxWaitMs },
    // Commits are this function's: only settled offsets.
    autoCommitIntervalMs: 0,
    commitOnClose: false,
    commitOnRebalance: false,
    onRevoke: async (partitions, lost) => {
      const ps = partitions.find((t) => t.topic === topic)?.partitions ?? [];
      for (const p of ps) ownership.set(p, (ownership.get(p) ?? 0) + 1);
      // The work under way ends at its next isRunning() check; what it settled is committed before the partitions move.
      await Promise.allSettled(ps.map((p) => chains.get(p)));
      if (!lost) await commitResolved(ps).catch(logFailure('commit on revoke failed'));
      for (const p of ps) {
        resolved.delete(p);
        committed.delete(p);
      }
    },
    onEvent: memberEvents(client, options.groupId, topic, stop, options.onAssign),
  });
  const timer = options.commitIntervalMs > 0 ? setInterval(() => void commitResolved().catch(logFailure('commit failed')), options.commitIntervalMs) : undefined;

  const work = async (batch: RecordBatch, token: number) => {
    const p = batch.partition;
    const owned = () => !stop.stopped && ownership.get(p) === token;
    if (!owned()) return;
    const control: BatchControl = {
      resolveOffset: (offset) => { if (ownership.get(p) === token) resolved.set(p, Number(offset) + 1); },
      commit: () => (ownership.get(p) === token ? commitResolved([p]) : Promise.resolve()),
      // Heartbeats run on the member's own timer.
      heartbeat: async () => {},
      isRunning: owned,
    };
    try {
      await handle(batch, control);
      if (options.commitIntervalMs === 0 && owned()) await commitResolved([p]).catch(logFailure('commit failed'));
    } catch (error) {
      if (!owned()) return;
      logFailure(`handling ${topic}-${p} failed, reading it again from the last settled offset in a second`)(error as Error);
      // The batches of this partition fetched after this one are dropped (their token is old),
      // and the partition is read again from what was settled, after a pause in its chain.
      ownership.set(p, token + 1);
      consumer.seek(topic, p, resolved.get(p) ?? Number(batch.records[0]!.offset));
      await delay(1_000);
    }
  };

  let closing: Promise<void> | undefined;
  let handing = false;
  const close = () => (closing ??= (async () => {
    clearInterval(timer);
    await Promise.allSettled([...chains.values()]);
    await commitResolved().catch(logFailure('final commit failed'));
    await consumer.close();
  })());
  void stop.done.then(() => { if (!handing) void close(); });

  try {
    for await (const fetched of consumer.batches()) {
      if (stop.stopped) break;
      handing = true;
      while (inFlight >= options.concurrency && !stop.stopped) await new Promise<void>((resolve) => (slotFreed = resolve));
      handing = false;
      if (stop.stopped) break;
      const p = fetched.partition;
      const records = fetched.records.map((r) => toRawRecord(topic, p, r));
      const size = options.maxRecords ?? records.length;
      const token = ownership.get(p) ?? 0;
      ownership.set(p, token);
      for (let at = 0; at < records.length; at += size) {
        const batch: RecordBatch = { topic, partition: p, records: size >= records.length ? records : records.slice(at, at + size) };
        inFlight++;
        const run = (chains.get(p) ?? Promise.resolve())
          .then(() => work(batch, token))
          .finally(() => {
            inFlight--;
            slotFreed();
          });
        chains.set(p, run);
      }
    }
  } catch (error) {
    if (!stop.stopped) {
      stop.stop('crashed');
      await close().catch(() => undefined);
      await cluster.close();
      throw client.translate(error, options.what);
    }
  } finally {
    handing = false;
  }
  stop.stop('done');
  await close();
  await cluster.close();
  return stop.done;
}

function toRawRecord(topic: string, partition: number, record: ConsumedRecord): RawRecord {
  const headers: RawRecord['headers'] = {};
  for (const h of record.headers) headers[h.key] = h.value ?? undefined;
  return { topic, partition, offset: String(record.offset), timestamp: record.timestamp, key: record.key, headers, value: record.value };
}
