import { randomBytes } from 'node:crypto';
import type { KafkaClient } from './connect.js';
import type { GroupProtocol } from './group-member.js';
import { ConsumedBatch } from './records.js';
import { explainStartPosition, resetPolicy, type OffsetReset, type StartPosition } from './start-position.js';
import { StopSignal, type StopReason } from './stop-signal.js';
import { describeOffsetSpec, startOffset, type OffsetSpec } from './offset-spec.js';
import { requireTopic } from './topics.js';
import { UsageError } from '../errors.js';
import type { Fetcher } from './wire/fetcher.js';

export interface ConsumeOptions {
  topic: string;
  /** A named group commits what was printed; without one, every partition is read and nothing is committed (as kcat -C). */
  group?: string;
  /** The group's protocol: classic (default) or consumer (KIP-848). */
  groupProtocol?: GroupProtocol;
  fromBeginning: boolean;
  offsetReset?: OffsetReset;
  /** Stop after this many records. */
  maxMessages?: number;
  /** Stop when no record arrived for this long (counted from the partition assignment). */
  idleTimeoutMs?: number;
  /** Ctrl-C: commit what was printed, leave the group, resolve. */
  signal?: AbortSignal;
  /** Without a group: read only these partitions (kcat -p). Default all. */
  partitions?: number[];
  /** Without a group: where each partition starts (kcat -o); overrides fromBeginning. */
  offset?: OffsetSpec;
  /**
   * Stop once every partition read is at the end it had at the start (kcat -e); with a
   * group, every partition the member owns, at the end it had when assigned (kcat -G -e).
   */
  exitAtEnd?: boolean;
  /**
   * 1 read_committed: records of aborted transactions are skipped and reading stops at the
   * last stable offset (before open transactions; the end --exit stops at). Default 0.
   */
  isolationLevel?: 0 | 1;
}

export interface ConsumeEvents {
  onStart?(position: StartPosition, group: string): void;
  /** Seed 004's on_assign: the partitions this member got, on every (re)assignment. */
  onAssign?(topic: string, partitions: number[]): void;
  /** One partition's records in offset order; returning a promise applies back-pressure. */
  onRecords(batch: ConsumedBatch): void | Promise<void>;
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
  const cluster = await client.cluster();
  const { Fetcher } = await import('./wire/fetcher.js');
  const fetcher = new Fetcher(cluster, { maxWaitMs: 500, isolationLevel: options.isolationLevel });
  const abort = new AbortController();
  void stop.done.then(() => abort.abort());
  let consumed = 0;
  try {
    const count = (await cluster.topic(options.topic)).leaders.length;
    const partitions = options.partitions ?? Array.from({ length: count }, (_, i) => i);
    const missing = partitions.find((p) => p >= count);
    if (missing !== undefined) {
      throw new UsageError(`Topic ${options.topic} has partitions 0..${count - 1}; there is no partition ${missing}.`, 'Pick one of those with --partition, or leave it out to read them all.');
    }
    const ends = options.exitAtEnd || options.offset ? await fetcher.listOffsets(options.topic, partitions, 'latest') : undefined;
    const positions = options.offset ? await startPositions(fetcher, options.topic, partitions, options.offset, ends!) : await fetcher.listOffsets(options.topic, partitions, start);
    if (stop.stopped) return { consumed, stoppedBy: await stop.done };
    events.onAssign?.(options.topic, partitions);
    stop.touch();
    // --exit: the partitions not yet at the end they had when this started.
    const unfinished = new Set(ends ? partitions.filter((p) => positions.get(p)! < ends.get(p)!) : partitions);
    if (options.exitAtEnd && unfinished.size === 0) stop.stop('end');
    for await (const fetched of stop.stopped ? [] : fetcher.fetch(options.topic, positions, abort.signal)) {
      if (stop.stopped) break;
      const room = options.maxMessages === undefined ? fetched.records.length : options.maxMessages - consumed;
      const all = room >= fetched.records.length;
      const batch = new ConsumedBatch(fetched.topic, fetched.partition, all ? fetched.records : fetched.records.slice(0, room));
      if (batch.length > 0) {
        await events.onRecords(batch);
        consumed += batch.length;
        stop.touch();
        if (options.maxMessages !== undefined && consumed >= options.maxMessages) stop.stop('max-messages');
      }
      // The fetch's position counts transaction markers and aborted records, which no batch holds.
      const position = all ? fetched.nextOffset : batch.nextOffset;
      if (options.exitAtEnd && position >= ends!.get(batch.partition)!) {
        unfinished.delete(batch.partition);
        if (unfinished.size === 0) stop.stop('end');
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (!stop.stopped) throw client.translate(error, what);
  } finally {
    stop.stop('done');
    await cluster.close();
  }
  return { consumed, stoppedBy: await stop.done };
}

/** Each partition's first offset for an --offset spec, within what it holds. */
async function startPositions(fetcher: Fetcher, topic: string, partitions: number[], spec: OffsetSpec, ends: Map<number, number>): Promise<Map<number, number>> {
  const earliest = await fetcher.listOffsets(topic, partitions, 'earliest');
  const forTime = spec.kind === 'timestamp' ? await fetcher.listOffsets(topic, partitions, { timestamp: spec.ms }) : undefined;
  return new Map(partitions.map((p) => [p, startOffset(spec, earliest.get(p)!, ends.get(p)!, forTime?.get(p))]));
}

/**
 * As a member of `group` (src/kafka/group-member.ts): the group's commits decide where each
 * partition starts (`start` where there are none), every assignment goes to onAssign, and
 * what onRecords has finished is committed every second, on a rebalance and at the end.
 * exitAtEnd ends it, committed, once the member has read its partitions to their ends.
 */
async function consumeWithGroup(client: KafkaClient, options: ConsumeOptions, events: ConsumeEvents, stop: StopSignal, group: string, start: 'earliest' | 'latest'): Promise<{ consumed: number; committed: Record<string, string>; stoppedBy: StopReason }> {
  const { runGroupMember } = await import('./group-member.js');
  const nextOffsets = new Map<number, string>();
  let consumed = 0;
  const memberOptions = { group, groupProtocol: options.groupProtocol, topic: options.topic, offsetReset: start, commit: 'timer' as const, stop, what: `consume ${options.topic}`, onAssign: (partitions: number[]) => events.onAssign?.(options.topic, partitions), exitAtEnd: options.exitAtEnd, isolationLevel: options.isolationLevel };
  const stoppedBy = await runGroupMember(client, memberOptions, async (batch, member) => {
    const room = options.maxMessages === undefined ? batch.records.length : options.maxMessages - consumed;
    const used = new ConsumedBatch(batch.topic, batch.partition, room < batch.records.length ? batch.records.slice(0, room) : batch.records);
    if (used.length === 0) return;
    await events.onRecords(used);
    const next = used.nextOffset;
    // Only part of the batch was used (--max-messages): the commit stops after it.
    if (used.length < batch.records.length) member.seek(batch.partition, next);
    nextOffsets.set(batch.partition, String(next));
    consumed += used.length;
    stop.touch();
    if (options.maxMessages !== undefined && consumed >= options.maxMessages) stop.stop('max-messages');
  });
  return { consumed, committed: Object.fromEntries(nextOffsets), stoppedBy };
}

/**
 * Consumes `topic` until a stop condition, handing records to `events.onRecords`. With a
 * named group, offsets are committed only after onRecords has returned for them, so a
 * consumer killed mid-way re-reads what it had not finished (at-least-once).
 */
export async function consumeTopic(client: KafkaClient, options: ConsumeOptions, events: ConsumeEvents): Promise<ConsumeResult> {
  await requireTopic(client, options.topic);
  const anonymous = options.group === undefined;
  if (!anonymous && (options.partitions || options.offset)) {
    throw new UsageError('--partition and --offset read without a group; a group\'s commits and its assignment decide where a member reads.', 'Drop --group, or drop those flags (groups reset-offsets moves a group).');
  }
  const group = options.group ?? anonymousGroupName();
  const choice = { group, anonymous, fromBeginning: options.fromBeginning, offsetReset: options.offsetReset };
  const which = options.partitions ? `partition${options.partitions.length === 1 ? '' : 's'} ${options.partitions.join(', ')} of ${options.topic}` : options.topic;
  events.onStart?.(
    options.offset
      ? { from: options.offset.kind === 'end' ? 'latest' : 'earliest', reason: `reading ${which} from ${describeOffsetSpec(options.offset)} (--offset); no group, nothing committed` }
      : await explainStartPosition(client, options.topic, choice),
    group,
  );

  const stop = new StopSignal(options.idleTimeoutMs, options.signal);
  if (anonymous) {
    const read = await consumeWithoutGroup(client, options, events, stop, resetPolicy(choice));
    return { topic: options.topic, group, anonymous, consumed: read.consumed, committed: {}, stoppedBy: read.stoppedBy };
  }
  const read = await consumeWithGroup(client, options, events, stop, group, resetPolicy(choice));
  return { topic: options.topic, group, anonymous, ...read };
}
