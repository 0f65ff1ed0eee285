import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { FirehoseError } from '../errors.js';
import type { KafkaClient } from './connect.js';
import { fromWireRecord, toConsumedRecord, type ConsumedRecord } from './records.js';
import { explainStartPosition, resetPolicy, type OffsetReset, type StartPosition } from './start-position.js';
import { runUntilStopped, StopSignal, watchGroup, type StopReason } from './stop-signal.js';
import { requireTopic } from './topics.js';

export interface ConsumeOptions {
  topic: string;
  /** A named group commits what was printed; without one, every partition is read and nothing is committed (as kcat -C). */
  group?: string;
  fromBeginning: boolean;
  offsetReset?: OffsetReset;
  /** Stop after this many records. */
  maxMessages?: number;
  /** Stop when no record arrived for this long (counted from the partition assignment). */
  idleTimeoutMs?: number;
  /** Ctrl-C: commit what was printed, leave the group, resolve. */
  signal?: AbortSignal;
}

export interface ConsumeEvents {
  onStart?(position: StartPosition, group: string): void;
  /** Seed 004's on_assign: the partitions this member got, on every (re)assignment. */
  onAssign?(topic: string, partitions: number[]): void;
  /** Records in offset order per partition; returning a promise applies back-pressure. */
  onRecords(records: ConsumedRecord[]): void | Promise<void>;
}

export interface ConsumeResult {
  topic: string;
  group: string;
  anonymous: boolean;
  consumed: number;
  /** Offsets committed at the end (named groups only): partition → next offset. */
  committed: Record<string, string>;
  stoppedBy: StopReason;
}

/** A group name no one else uses, so an ad-hoc consume never disturbs a real group. */
export function anonymousGroupName(): string {
  return `firehose-consume-${randomBytes(6).toString('hex')}`;
}

/**
 * Without a group (kcat -C's way): every partition from the earliest or latest offset, on
 * firehose's own client (src/kafka/wire/), nothing committed. Returns when `stop` fires.
 */
async function consumeWithoutGroup(client: KafkaClient, options: ConsumeOptions, events: ConsumeEvents, stop: StopSignal, start: 'earliest' | 'latest'): Promise<{ consumed: number; stoppedBy: StopReason }> {
  const what = `consume ${options.topic}`;
  const cluster = await client.wireCluster();
  const { Fetcher } = await import('./wire/fetcher.js');
  const fetcher = new Fetcher(cluster, { maxWaitMs: 500 });
  const abort = new AbortController();
  void stop.done.then(() => abort.abort());
  let consumed = 0;
  try {
    const partitions = (await cluster.topic(options.topic)).leaders.map((_, i) => i);
    const positions = await fetcher.listOffsets(options.topic, partitions, start);
    if (stop.stopped) return { consumed, stoppedBy: await stop.done };
    events.onAssign?.(options.topic, partitions);
    stop.touch();
    for await (const fetched of fetcher.fetch(options.topic, positions, abort.signal)) {
      if (stop.stopped) break;
      const room = options.maxMessages === undefined ? fetched.records.length : options.maxMessages - consumed;
      const records = fetched.records.slice(0, room).map((r) => fromWireRecord(fetched.topic, fetched.partition, r));
      if (records.length === 0) continue;
      await events.onRecords(records);
      consumed += records.length;
      stop.touch();
      if (options.maxMessages !== undefined && consumed >= options.maxMessages) stop.stop('max-messages');
    }
  } catch (error) {
    if (!stop.stopped) throw client.translate(error, what);
  } finally {
    stop.stop('done');
    await cluster.close();
  }
  return { consumed, stoppedBy: await stop.done };
}

/**
 * Consumes `topic` until a stop condition, handing records to `events.onRecords`. With a
 * named group, offsets are committed only after onRecords has returned for them, so a
 * consumer killed mid-way re-reads what it had not finished (at-least-once).
 */
export async function consumeTopic(client: KafkaClient, options: ConsumeOptions, events: ConsumeEvents): Promise<ConsumeResult> {
  await requireTopic(client, options.topic);
  const anonymous = options.group === undefined;
  const group = options.group ?? anonymousGroupName();
  const choice = { group, anonymous, fromBeginning: options.fromBeginning, offsetReset: options.offsetReset };
  events.onStart?.(await explainStartPosition(client, options.topic, choice), group);

  const stop = new StopSignal(options.idleTimeoutMs, options.signal);
  if (anonymous) {
    const read = await consumeWithoutGroup(client, options, events, stop, resetPolicy(choice));
    return { topic: options.topic, group, anonymous, consumed: read.consumed, committed: {}, stoppedBy: read.stoppedBy };
  }
  const consumer = await client.consumer({ groupId: group, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
  const nextOffsets = new Map<number, string>();
  let consumed = 0;

  watchGroup(consumer, options.topic, stop, events.onAssign);

  const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    if (stop.stopped) return;
    const records: ConsumedRecord[] = [];
    for (const message of batch.messages) {
      if (options.maxMessages !== undefined && consumed + records.length >= options.maxMessages) break;
      records.push(toConsumedRecord(batch.topic, batch.partition, message));
    }
    if (records.length === 0 || !isRunning() || isStale()) return;
    await events.onRecords(records);
    const last = records[records.length - 1]!.offset;
    resolveOffset(last);
    nextOffsets.set(batch.partition, (BigInt(last) + 1n).toString());
    consumed += records.length;
    if (!anonymous) await commit(consumer, options.topic, batch.partition, last, client);
    await heartbeat();
    stop.touch();
    if (options.maxMessages !== undefined && consumed >= options.maxMessages) stop.stop('max-messages');
  };

  const stoppedBy = await runUntilStopped(client, consumer, stop, { topic: options.topic, fromBeginning: resetPolicy(choice) === 'earliest' },
    { autoCommit: false, eachBatchAutoResolve: false, eachBatch }, `consume ${options.topic}`);
  return {
    topic: options.topic,
    group,
    anonymous,
    consumed,
    committed: anonymous ? {} : Object.fromEntries(nextOffsets),
    stoppedBy,
  };
}

async function commit(consumer: Consumer, topic: string, partition: number, lastOffset: string, client: KafkaClient): Promise<void> {
  try {
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(lastOffset) + 1n).toString() }]);
  } catch (error) {
    // A rebalance took the partition away: the new owner re-reads from the last commit.
    if ((error as { type?: string }).type === 'REBALANCE_IN_PROGRESS' || (error as { type?: string }).type === 'ILLEGAL_GENERATION') return;
    throw new FirehoseError('COMMIT_FAILED', `Could not commit offset ${lastOffset} on ${topic}[${partition}]: ${(error as Error).message}`, {
      hint: 'The records were printed but not committed; the group will read them again.',
      cause: client.translate(error, 'commit offsets'),
    });
  }
}
