// One consumer-group member for firehose's commands, on its own client's GroupConsumer
// (src/kafka/wire/group.ts): joins, hands each batch to the caller, reports every
// assignment, stops on the StopSignal (waiting for the batch in hand) and leaves the group.
// How offsets are committed is the caller's choice:
// - 'timer': what the caller finished is committed every second, on a rebalance and at
//   the end; a killed process re-reads about a second of records (at-least-once);
// - 'manual': only what the caller commits itself (the commit demo's per-message commits).
// With exitAtEnd (consume --group -e, kcat -G -e) it also stops once it has read to the end
// of every partition it owns.
import { FirehoseError } from '../errors.js';
import type { KafkaClient } from './connect.js';
import type { StopReason, StopSignal } from './stop-signal.js';
import type { FetchedRecords } from './wire/fetcher.js';
import { UsageError } from '../errors.js';
import type { GroupEvent, GroupProtocol } from './wire/group.js';

export type { GroupProtocol };

/** `--group-protocol classic|consumer` (Java's group.protocol). */
export function parseGroupProtocol(text: string | undefined): GroupProtocol | undefined {
  if (text === undefined || text === 'classic' || text === 'consumer') return text;
  throw new UsageError(`--group-protocol must be classic or consumer, not "${text}".`, 'consumer is KIP-848\'s protocol (Kafka 4.0 or later): the coordinator assigns the partitions.');
}

export interface GroupMemberOptions {
  group: string;
  topic: string;
  /** Where partitions without a committed offset start. */
  offsetReset: 'earliest' | 'latest';
  commit: 'timer' | 'manual';
  /** classic (default) or consumer (KIP-848). */
  groupProtocol?: GroupProtocol;
  stop: StopSignal;
  /** Names the work in errors ("consume my-topic-1"). */
  what: string;
  /** Longest a fetch waits for records. Default 500 ms. */
  maxWaitMs?: number;
  /** How long the group waits for a member that stopped heartbeating (killed). Default 10 s. */
  sessionTimeoutMs?: number;
  /** Every (re)assignment: the partitions of `topic` this member owns now. */
  onAssign?(partitions: number[]): void;
  /**
   * Stop ('end') once every partition this member owns has its position at the end it had
   * when it was assigned (ListOffsets latest, as consume -e without a group). Partitions
   * assigned later must reach their end too; revoked ones no longer count (an eager
   * rebalance, the default assignors', gives every partition up and back, so their ends are
   * listed again). A member that owns nothing waits: the members holding the partitions
   * finish and leave, and the rebalance hands their partitions on.
   */
  exitAtEnd?: boolean;
  /** 1 read_committed (aborted transactions skipped, ends at the last stable offset). Default 0. */
  isolationLevel?: 0 | 1;
}

/** What a batch handler may do with the member. */
export interface GroupMemberControl {
  /** The next batch of `partition` starts at `offset`, and a timer commit writes it (a batch used only in part). */
  seek(partition: number, offset: number): void;
  /** Commits `nextOffset` for `partition` now. */
  commit(partition: number, nextOffset: number): Promise<void>;
}

/**
 * A GroupConsumer's onEvent for firehose's commands: every assignment of `topic` goes to
 * `onAssign` and restarts the idle countdown; rejoins and failed heartbeats or commits are
 * debug lines (--verbose).
 */
export function memberEvents(client: KafkaClient, group: string, topic: string, stop: StopSignal, onAssign?: (partitions: number[]) => void): (event: GroupEvent) => void {
  return (event) => {
    if (event.type === 'joined') {
      onAssign?.(event.assignment.find((t) => t.topic === topic)?.partitions ?? []);
      stop.touch();
    } else if (event.type === 'rejoin') client.log?.debug(`group ${group}: rejoining (${event.reason})`);
    else client.log?.debug(`group ${group}: ${event.type}: ${event.error.message}`);
  };
}

/**
 * Runs a member of `options.group` on `options.topic` until `options.stop` fires (or the
 * member fails: the error is thrown as a FirehoseError naming `what`). `handle` gets one
 * batch at a time; a stop waits for the batch in hand.
 */
export async function runGroupMember(client: KafkaClient, options: GroupMemberOptions, handle: (batch: FetchedRecords, control: GroupMemberControl) => Promise<void>): Promise<StopReason> {
  const { stop, topic, group } = options;
  const cluster = await client.cluster();
  const { GroupConsumer } = await import('./wire/group.js');
  const timer = options.commit === 'timer';
  const events = memberEvents(client, group, topic, stop, options.onAssign);
  let finalCommitFailure: Error | undefined;
  // exitAtEnd: partition → the end (latest offset) it had when this member got it.
  const ends = new Map<number, number>();
  const endsFetcher = options.exitAtEnd ? new (await import('./wire/fetcher.js')).Fetcher(cluster, { isolationLevel: options.isolationLevel }) : undefined;
  const atEnd = () => {
    const owned = [...(consumer.currentPositions().get(topic) ?? [])];
    return owned.length > 0 && owned.every(([p, position]) => position >= (ends.get(p) ?? Infinity));
  };
  const consumer = new GroupConsumer(cluster, {
    groupId: group,
    protocol: options.groupProtocol,
    topics: [topic],
    offsetReset: options.offsetReset,
    autoCommitIntervalMs: timer ? 1_000 : 0,
    commitOnClose: timer,
    commitOnRebalance: timer,
    // Heartbeats run on their own timer, so a short session only matters when the process
    // dies: the group then hands its partitions on after 10 s instead of Java's 45.
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    heartbeatIntervalMs: 1_000,
    fetch: { maxWaitMs: options.maxWaitMs ?? 500, isolationLevel: options.isolationLevel },
    // Called before any record of the new partitions is handed out, so their ends are known first.
    onAssign: endsFetcher && (async (added) => {
      const partitions = added.find((t) => t.topic === topic)?.partitions ?? [];
      if (partitions.length > 0) for (const [p, end] of await endsFetcher.listOffsets(topic, partitions, 'latest')) ends.set(p, end);
    }),
    onRevoke: endsFetcher && ((revoked) => {
      for (const p of revoked.find((t) => t.topic === topic)?.partitions ?? []) ends.delete(p);
    }),
    onEvent: (event) => {
      // The last commit (on the way out) failed: say so, the group will read those records again.
      if (event.type === 'commit-failed' && closing) finalCommitFailure = event.error;
      events(event);
      // Partitions assigned already at their end (an empty topic, everything committed) end it here.
      if (event.type === 'joined' && endsFetcher && atEnd()) stop.stop('end');
    },
  });
  const control: GroupMemberControl = {
    seek: (partition, offset) => consumer.seek(topic, partition, offset),
    commit: (partition, nextOffset) => consumer.commitOffsets(new Map([[topic, new Map([[partition, nextOffset]])]])),
  };
  let processing = false;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= consumer.close());
  // A stop while a batch is handled waits for it; otherwise it ends the wait for the next batch.
  void stop.done.then(() => { if (!processing) void close(); });
  try {
    for await (const batch of consumer.batches()) {
      if (stop.stopped) break;
      processing = true;
      try {
        // An empty batch only moved the position (past transaction markers): nothing to hand on.
        if (batch.records.length > 0) await handle(batch, control);
      } finally {
        processing = false;
      }
      if (endsFetcher && atEnd()) stop.stop('end');
      if (stop.stopped) break;
    }
  } catch (error) {
    if (!stop.stopped) {
      await close().catch(() => undefined);
      await cluster.close();
      throw client.translate(error, options.what);
    }
  }
  stop.stop('done');
  await close();
  await cluster.close();
  if (finalCommitFailure) {
    throw new FirehoseError('COMMIT_FAILED', `Could not commit the offsets of group ${group} on ${topic} at the end: ${finalCommitFailure.message}`, {
      hint: 'What was read was handed on but not committed; the group will read it again.',
      cause: client.translate(finalCommitFailure, `commit offsets of group ${group}`),
    });
  }
  return stop.done;
}
