import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  /**
   * Where the demo notes the message it is storing until that is done (a small JSON file),
   * so the next run can say what happened to it after a Ctrl-C or a kill. None: nothing said.
   */
  inFlightFile?: string;
}

/** The message a run was storing when it stopped, as its in-flight file has it. */
export interface InFlight {
  topic: string;
  partition: number;
  offset: string;
  /** Whether its offset was committed before the store began (commit-then-store). */
  committed: boolean;
}

export type CommitDemoEvent =
  | { kind: 'start'; position: StartPosition }
  | { kind: 'assign'; partitions: number[] }
  | { kind: 'message'; record: ConsumedRecord }
  | { kind: 'store-start'; record: ConsumedRecord }
  | { kind: 'store-end'; record: ConsumedRecord }
  | { kind: 'committed'; record: ConsumedRecord; nextOffset: string }
  /** The last run stopped while storing this record and had not committed it: it is read again now. */
  | { kind: 'reread'; record: ConsumedRecord }
  /** The last run stopped while storing this message after committing it: the group never reads it again. */
  | { kind: 'lost'; inFlight: InFlight };

export interface CommitDemoResult {
  topic: string;
  group: string;
  processed: number;
  order: 'store-then-commit' | 'commit-then-store';
  guarantee: 'at-least-once' | 'at-most-once';
  stoppedBy: StopReason;
}

async function readInFlight(file: string): Promise<InFlight | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<InFlight>;
    if (typeof value.topic !== 'string' || typeof value.partition !== 'number' || typeof value.offset !== 'string') return undefined;
    return { topic: value.topic, partition: value.partition, offset: value.offset, committed: value.committed === true };
  } catch {
    return undefined; // none, or unreadable: nothing to say about the last run
  }
}

async function writeInFlight(file: string, inFlight: InFlight): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(inFlight)}\n`);
  await rename(partial, file);
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
  let lastRun = options.inFlightFile ? await readInFlight(options.inFlightFile) : undefined;
  if (lastRun && lastRun.topic !== options.topic) lastRun = undefined;
  if (lastRun?.committed) {
    onEvent({ kind: 'lost', inFlight: lastRun });
    lastRun = undefined;
  }

  const store = async (record: ConsumedRecord, committed: boolean): Promise<boolean> => {
    if (options.inFlightFile) await writeInFlight(options.inFlightFile, { topic: record.topic, partition: record.partition, offset: record.offset, committed });
    onEvent({ kind: 'store-start', record });
    await delay(options.storeMs, undefined, { signal: options.signal }).catch(() => {});
    if (stop.stopped) return false; // interrupted mid-store: the data never reached the store
    onEvent({ kind: 'store-end', record });
    return true;
  };
  const done = async () => {
    if (options.inFlightFile) await rm(options.inFlightFile, { force: true });
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
    // A run killed mid-store (kill -9, a closed laptop) leaves its member behind; the group
    // hands its partitions to the next run once the session ends: 6 s, Kafka's smallest
    // (group.min.session.timeout.ms), instead of 10. Ctrl-C leaves the group at once.
    sessionTimeoutMs: 6_000,
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
      if (lastRun && lastRun.partition === record.partition) {
        if (lastRun.offset === record.offset) onEvent({ kind: 'reread', record });
        lastRun = undefined;
      }
      onEvent({ kind: 'message', record });
      if (options.commitBeforeStore) {
        await commit(record);
        if (!(await store(record, true))) return;
      } else {
        if (!(await store(record, false))) return;
        await commit(record);
      }
      await done();
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
