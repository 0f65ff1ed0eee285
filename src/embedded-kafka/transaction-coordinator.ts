// The embedded broker's transaction coordinator: transactional ids, their producer id and
// epoch, and each open transaction's partitions, groups and pending offsets, as Kafka's
// TransactionCoordinator keeps them in __transaction_state. Each change is saved (a
// TransactionStore: transactions.json in the data dir) before it is answered; EndTxn saves
// PrepareCommit/PrepareAbort, writes a marker to every partition the transaction wrote to,
// stores its offsets, then saves CompleteCommit/CompleteAbort, so a restart between those
// steps finishes the work. A transaction left open longer than its timeout is aborted at a
// bumped epoch, which fences the producer that left it. Protocol failures come back as
// Kafka error codes, never as exceptions, as in the group coordinator.
import { ErrorCode } from '../protocol/error-codes.js';
import type { Logger } from '../logger.js';
import type { GroupCoordinator } from './group-coordinator.js';
import type { CommittedOffset } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import { describeFsError } from './storage-error.js';

export type TransactionState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort';

/** One transactional id as saved: JSON-friendly (ids and offsets as strings). */
export interface TransactionRecord {
  transactionalId: string;
  producerId: string;
  producerEpoch: number;
  timeoutMs: number;
  state: TransactionState;
  /** [topic, partition] pairs added to the open transaction. */
  partitions: [string, number][];
  groups: string[];
  offsets: { group: string; topic: string; partition: number; offset: string; metadata: string | null; commitTimestamp: number }[];
  /** When the open transaction began (ms since epoch); 0 when none is open. */
  startedAt: number;
  /** When the id's state last changed (ms since epoch): ids idle for transactional.id.expiration.ms are forgotten. */
  updatedAt?: number;
}

/** Where transaction state lives: in memory by default, transactions.json with --data-dir. */
export interface TransactionStore {
  load(): TransactionRecord[];
  /** Replaces the saved state with `records`; throws (a full disk) leaving the old state. */
  save(records: TransactionRecord[]): void;
}

export class MemoryTransactionStore implements TransactionStore {
  load(): TransactionRecord[] {
    return [];
  }
  save(): void {}
}

interface Txn {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  timeoutMs: number;
  state: TransactionState;
  partitions: Map<string, { topic: string; partition: number }>;
  groups: Set<string>;
  /** Offsets sent with TxnOffsetCommit, by group, topic and partition: stored only when the transaction commits. */
  offsets: Map<string, CommittedOffset>;
  startedAt: number;
  updatedAt: number;
}

export interface TransactionCoordinatorOptions {
  store: TransactionStore;
  groups: GroupCoordinator;
  partition(topic: string, partition: number): PartitionLog | undefined;
  /** Every partition, to find transactions the log holds open that no transactional id owns. */
  partitions(): { name: string; log: PartitionLog }[];
  allocateProducerId(): bigint;
  /** Wakes fetches waiting for data: a marker moves the last stable offset. */
  notifyAppend(): void;
  log: Logger;
  /** How often timed-out transactions are aborted and unfinished markers retried. Default 1000 ms. */
  checkIntervalMs?: number;
  /** How long a transactional id with no open transaction is kept after its last change (Kafka's transactional.id.expiration.ms). Default 7 days. */
  idExpirationMs?: number;
  now?: () => number;
}

/** Kafka's transaction.max.timeout.ms default: a producer asking for more gets INVALID_TRANSACTION_TIMEOUT. */
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
const DEFAULT_ID_EXPIRATION_MS = 7 * 24 * 60 * 60 * 1000;
/** Past this epoch the coordinator hands out a new producer id, as Kafka does near Short.MaxValue. */
const MAX_EPOCH = 32_766;

export interface ProducerIdAndEpoch {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export interface TransactionDescription {
  errorCode: number;
  transactionalId: string;
  state: TransactionState | 'Dead';
  timeoutMs: number;
  /** -1 when no transaction is open. */
  startedAt: number;
  producerId: bigint;
  producerEpoch: number;
  partitions: { topic: string; partition: number }[];
}

/** The state names Kafka reports (TransactionState.name), for ListTransactions' unknownStateFilters. */
export const TRANSACTION_STATES: readonly string[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export interface TxnOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}

export class TransactionCoordinator {
  private readonly txns = new Map<string, Txn>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: TransactionCoordinatorOptions) {
    this.now = options.now ?? Date.now;
    for (const record of options.store.load()) this.txns.set(record.transactionalId, fromRecord(record, this.now()));
    this.recover();
    this.timer = setInterval(() => this.expire(), options.checkIntervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * InitProducerId with a transactional id: a new id gets a producer id at epoch 0; a known
   * one gets its epoch bumped, which fences every older instance, and a transaction the old
   * instance left open is aborted first (at the new epoch).
   */
  initProducerId(transactionalId: string, timeoutMs: number, expectedProducerId: bigint, expectedEpoch: number): ProducerIdAndEpoch {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (this.closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > MAX_TRANSACTION_TIMEOUT_MS) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const txn = this.txns.get(transactionalId);
    if (txn === undefined) {
      const fresh: Txn = { transactionalId, producerId: this.options.allocateProducerId(), producerEpoch: 0, timeoutMs, state: 'Empty', partitions: new Map(), groups: new Set(), offsets: new Map(), startedAt: 0, updatedAt: this.now() };
      if (!this.save(fresh)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return { errorCode: ErrorCode.NONE, producerId: fresh.producerId, producerEpoch: 0 };
    }
    // v3+: a producer re-initialising names the id and epoch it had; a stale pair is a zombie.
    if (expectedProducerId >= 0n && (expectedProducerId !== txn.producerId || expectedEpoch !== txn.producerEpoch)) return fail(ErrorCode.PRODUCER_FENCED);
    if (isPreparing(txn.state) && !this.complete(txn)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (txn.state === 'Ongoing') {
      this.options.log.info(`transactional id ${transactionalId}: a new producer instance fences epoch ${txn.producerEpoch}; aborting the transaction it left open`);
      // The abort's markers carry the new epoch, which the new instance then uses.
      if (!this.endTransaction(txn, false, true)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const ended = this.txns.get(transactionalId)!;
      if (isPreparing(ended.state)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      const next: Txn = { ...copy(ended), timeoutMs };
      if (!this.save(next)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
    }
    const next: Txn = { ...copy(txn), ...nextEpoch(txn, this.options.allocateProducerId), timeoutMs, state: 'Empty' };
    if (!this.save(next)) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
  }

  /** AddPartitionsToTxn: one error code for every partition (unknown ones get theirs, the rest OPERATION_NOT_ATTEMPTED). */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: { topic: string; partition: number }[]): Map<string, number> {
    const codes = new Map<string, number>();
    const all = (code: number) => {
      for (const p of partitions) codes.set(key(p.topic, p.partition), code);
      return codes;
    };
    const checked = this.check(transactionalId, producerId, producerEpoch);
    if (typeof checked === 'number') return all(checked);
    const unknown = partitions.filter((p) => this.options.partition(p.topic, p.partition) === undefined);
    if (unknown.length > 0) {
      all(ErrorCode.OPERATION_NOT_ATTEMPTED);
      for (const p of unknown) codes.set(key(p.topic, p.partition), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      return codes;
    }
    const next = this.begin(checked);
    for (const p of partitions) next.partitions.set(key(p.topic, p.partition), p);
    return all(this.save(next) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  /** AddOffsetsToTxn: the group's offsets will be committed with the transaction. */
  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): number {
    const checked = this.check(transactionalId, producerId, producerEpoch);
    if (typeof checked === 'number') return checked;
    const next = this.begin(checked);
    next.groups.add(groupId);
    return this.save(next) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /**
   * TxnOffsetCommit: the offsets wait with the transaction (OffsetFetch does not see them,
   * and with requireStable answers UNSTABLE_OFFSET_COMMIT) until EndTxn commits it.
   */
  commitOffsets(
    input: { transactionalId: string; groupId: string; producerId: bigint; producerEpoch: number; generationId: number; memberId: string; groupInstanceId: string | null },
    offsets: TxnOffset[],
  ): number {
    const checked = this.check(input.transactionalId, input.producerId, input.producerEpoch);
    // The group coordinator's word for a stale producer, as Kafka's answers TxnOffsetCommit.
    if (checked === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (typeof checked === 'number') return checked;
    if (checked.state !== 'Ongoing' || !checked.groups.has(input.groupId)) return ErrorCode.INVALID_TXN_STATE;
    const memberCheck = this.options.groups.validateTransactionalCommit(input.groupId, input.memberId, input.groupInstanceId, input.generationId);
    if (memberCheck !== ErrorCode.NONE) return memberCheck;
    const next = copy(checked);
    const commitTimestamp = this.now();
    for (const o of offsets) {
      // Kafka stores a null metadata as "".
      next.offsets.set(`${input.groupId}\0${key(o.topic, o.partition)}`, { groupId: input.groupId, topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', commitTimestamp });
    }
    return this.save(next) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /** EndTxn: commit or abort the open transaction; a retry of one already ended the same way is answered NONE. */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): number {
    const checked = this.check(transactionalId, producerId, producerEpoch);
    if (typeof checked === 'number') return checked;
    if (checked.state === (commit ? 'CompleteCommit' : 'CompleteAbort')) return ErrorCode.NONE;
    if (checked.state !== 'Ongoing') return ErrorCode.INVALID_TXN_STATE;
    // Once Prepare* is saved the outcome is decided: markers that cannot be written now are retried.
    return this.endTransaction(checked, commit, false) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /**
   * Produce with a transactional id: its batches must come from the id's current producer
   * and epoch, into a partition the open transaction added (KIP-890's verification). Returns
   * an error code, NONE when the batch may be appended.
   */
  checkProduce(transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number): number {
    const txn = this.txns.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== txn.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (txn.state !== 'Ongoing' || !txn.partitions.has(key(topic, partition))) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  /** True while an open transaction holds an offset for this group and partition (OffsetFetch's requireStable). */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    const wanted = `${groupId}\0${key(topic, partition)}`;
    for (const txn of this.txns.values()) if (txn.offsets.has(wanted)) return true;
    return false;
  }

  /** DescribeTransactions: each id's state, producer, timeout, start and partitions (TRANSACTIONAL_ID_NOT_FOUND for an unknown one). */
  describe(transactionalIds: string[]): TransactionDescription[] {
    return transactionalIds.map((transactionalId) => {
      const txn = this.txns.get(transactionalId);
      if (txn === undefined) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId, state: 'Dead', timeoutMs: 0, startedAt: -1, producerId: -1n, producerEpoch: -1, partitions: [] };
      }
      const open = txn.state === 'Ongoing' || isPreparing(txn.state);
      return {
        errorCode: this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE,
        transactionalId,
        state: txn.state,
        timeoutMs: txn.timeoutMs,
        startedAt: open ? txn.startedAt : -1,
        producerId: txn.producerId,
        producerEpoch: txn.producerEpoch,
        partitions: [...txn.partitions.values()],
      };
    });
  }

  /** ListTransactions: ids filtered by state names, producer ids and how long they have been open (ms; negative: any). */
  list(states: string[], producerIds: bigint[], durationMs: bigint): { transactionalId: string; producerId: bigint; state: TransactionState }[] {
    const now = this.now();
    return [...this.txns.values()]
      .filter((t) => states.length === 0 || states.includes(t.state))
      .filter((t) => producerIds.length === 0 || producerIds.includes(t.producerId))
      .filter((t) => durationMs < 0n || (t.state === 'Ongoing' && BigInt(now - t.startedAt) > durationMs))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.state }));
  }

  /**
   * Aborts transactions open past their timeout, retries markers that could not be written,
   * and forgets transactional ids idle (no open transaction) past their expiration, as Kafka
   * does, so transactions.json does not grow with every id ever used.
   */
  expire(): void {
    if (this.closed) return;
    const now = this.now();
    const idle = [...this.txns.values()].filter((t) => (t.state === 'Empty' || t.state === 'CompleteCommit' || t.state === 'CompleteAbort') && now - t.updatedAt > (this.options.idExpirationMs ?? DEFAULT_ID_EXPIRATION_MS));
    if (idle.length > 0) {
      const kept = [...this.txns.values()].filter((t) => !idle.includes(t));
      try {
        this.options.store.save(kept.map(toRecord));
        for (const t of idle) this.txns.delete(t.transactionalId);
        this.options.log.info(`forgot ${idle.length} transactional id${idle.length === 1 ? '' : 's'} idle for longer than their expiration: ${idle.map((t) => t.transactionalId).join(', ')}`);
      } catch (error) {
        this.options.log.warn(`cannot forget idle transactional ids: ${describeFsError(error)}; trying again at the next check`);
      }
    }
    for (const txn of [...this.txns.values()]) {
      if (isPreparing(txn.state)) {
        this.complete(txn);
      } else if (txn.state === 'Ongoing' && now - txn.startedAt > txn.timeoutMs) {
        this.options.log.info(`transactional id ${txn.transactionalId}: transaction open for more than its timeout (${txn.timeoutMs} ms): aborting it and fencing producer ${txn.producerId} epoch ${txn.producerEpoch}`);
        this.endTransaction(txn, false, true);
      }
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** The id's state when the producer is its current one and no prepared transaction is left unfinished; else an error code. */
  private check(transactionalId: string, producerId: bigint, producerEpoch: number): Txn | number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const txn = this.txns.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (isPreparing(txn.state) && !this.complete(txn)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return this.txns.get(transactionalId)!;
  }

  /** A copy of `txn` with a transaction open (a new one when the last has ended). */
  private begin(txn: Txn): Txn {
    const next = copy(txn);
    if (next.state !== 'Ongoing') {
      next.state = 'Ongoing';
      next.startedAt = this.now();
      next.partitions.clear();
      next.groups.clear();
      next.offsets.clear();
    }
    return next;
  }

  /**
   * Saves PrepareCommit/PrepareAbort, then completes. `fence` (a timeout, a new instance)
   * bumps the epoch first, as Kafka does, so the markers fence the producer that left the
   * transaction. False when not even the prepare could be saved.
   */
  private endTransaction(txn: Txn, commit: boolean, fence: boolean): boolean {
    const producerEpoch = fence ? Math.min(txn.producerEpoch + 1, MAX_EPOCH + 1) : txn.producerEpoch;
    const prepared: Txn = { ...copy(txn), producerEpoch, state: commit ? 'PrepareCommit' : 'PrepareAbort' };
    if (!this.save(prepared)) return false;
    this.complete(prepared);
    return true;
  }

  /**
   * Writes the markers of a prepared transaction, stores its offsets when it commits, and
   * saves it complete. Partitions whose marker cannot be written stay for the next try.
   * True when the transaction is complete.
   */
  private complete(txn: Txn): boolean {
    const commit = txn.state === 'PrepareCommit';
    const now = this.now();
    const left = new Map(txn.partitions);
    let wrote = false;
    for (const [k, { topic, partition }] of txn.partitions) {
      const log = this.options.partition(topic, partition);
      try {
        if (log?.writeMarker(txn.producerId, txn.producerEpoch, commit, now)) wrote = true;
        left.delete(k);
      } catch (error) {
        this.options.log.warn(`transactional id ${txn.transactionalId}: cannot write the ${commit ? 'COMMIT' : 'ABORT'} marker to ${topic}-${partition}: ${describeFsError(error)}; trying again in a moment`);
      }
    }
    if (wrote) this.options.notifyAppend();
    if (left.size > 0) {
      this.txns.set(txn.transactionalId, { ...txn, partitions: left });
      return false;
    }
    if (commit) {
      try {
        this.options.groups.commitTransactionalOffsets([...txn.offsets.values()]);
      } catch (error) {
        this.options.log.warn(`transactional id ${txn.transactionalId}: cannot store the committed transaction's offsets: ${describeFsError(error)}; trying again in a moment`);
        this.txns.set(txn.transactionalId, { ...txn, partitions: left });
        return false;
      }
    }
    const done: Txn = { ...copy(txn), state: commit ? 'CompleteCommit' : 'CompleteAbort', startedAt: 0 };
    done.partitions.clear();
    done.groups.clear();
    done.offsets.clear();
    // Markers and offsets are written: if this save fails, a restart finds Prepare* and completes it again, harmlessly.
    if (!this.save(done)) this.txns.set(done.transactionalId, done);
    return true;
  }

  /**
   * At start: finishes transactions a stop left prepared, and aborts transactions the logs
   * hold open that no transactional id owns any more (their state was lost), so the last
   * stable offset cannot stay behind them forever.
   */
  private recover(): void {
    for (const txn of [...this.txns.values()]) if (isPreparing(txn.state)) this.complete(txn);
    const owned = new Map<bigint, Txn>();
    for (const txn of this.txns.values()) if (txn.state === 'Ongoing' || isPreparing(txn.state)) owned.set(txn.producerId, txn);
    const now = this.now();
    for (const { name, log } of this.options.partitions()) {
      for (const [producerId, open] of [...log.openTransactions()]) {
        if (owned.has(producerId)) continue;
        try {
          log.writeMarker(producerId, open.producerEpoch, false, now);
          this.options.log.warn(`${name}: producer ${producerId} left a transaction open from offset ${open.firstOffset} that no transactional id owns any more: aborted it`);
        } catch (error) {
          this.options.log.warn(`${name}: cannot abort producer ${producerId}'s transaction open from offset ${open.firstOffset}: ${describeFsError(error)}`);
        }
      }
    }
  }

  /** Saves every transactional id with `next` in place of its old state; false (logged) when the store cannot write. */
  private save(changed: Txn): boolean {
    const next = { ...changed, updatedAt: this.now() };
    const all = new Map(this.txns);
    all.set(next.transactionalId, next);
    try {
      this.options.store.save([...all.values()].map(toRecord));
    } catch (error) {
      this.options.log.warn(`transactional id ${next.transactionalId}: cannot save its state: ${describeFsError(error)}`);
      return false;
    }
    this.txns.set(next.transactionalId, next);
    return true;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

function isPreparing(state: TransactionState): boolean {
  return state === 'PrepareCommit' || state === 'PrepareAbort';
}

function copy(txn: Txn): Txn {
  return { ...txn, partitions: new Map(txn.partitions), groups: new Set(txn.groups), offsets: new Map(txn.offsets) };
}

/** The next epoch of the id's producer, or a new producer id at epoch 0 once the epoch runs out. */
function nextEpoch(txn: Txn, allocate: () => bigint): { producerId: bigint; producerEpoch: number } {
  return txn.producerEpoch >= MAX_EPOCH ? { producerId: allocate(), producerEpoch: 0 } : { producerId: txn.producerId, producerEpoch: txn.producerEpoch + 1 };
}

function toRecord(txn: Txn): TransactionRecord {
  return {
    transactionalId: txn.transactionalId,
    producerId: txn.producerId.toString(),
    producerEpoch: txn.producerEpoch,
    timeoutMs: txn.timeoutMs,
    state: txn.state,
    partitions: [...txn.partitions.values()].map((p) => [p.topic, p.partition]),
    groups: [...txn.groups],
    offsets: [...txn.offsets.values()].map((o) => ({ group: o.groupId, topic: o.topic, partition: o.partition, offset: o.offset.toString(), metadata: o.metadata, commitTimestamp: o.commitTimestamp })),
    startedAt: txn.startedAt,
    updatedAt: txn.updatedAt,
  };
}

function fromRecord(record: TransactionRecord, now: number): Txn {
  return {
    transactionalId: record.transactionalId,
    producerId: BigInt(record.producerId),
    producerEpoch: record.producerEpoch,
    timeoutMs: record.timeoutMs,
    state: record.state,
    partitions: new Map(record.partitions.map(([topic, partition]) => [key(topic, partition), { topic, partition }])),
    groups: new Set(record.groups),
    offsets: new Map(
      record.offsets.map((o) => [
        `${o.group}\0${key(o.topic, o.partition)}`,
        { groupId: o.group, topic: o.topic, partition: o.partition, offset: BigInt(o.offset), metadata: o.metadata, commitTimestamp: o.commitTimestamp },
      ]),
    ),
    startedAt: record.startedAt,
    updatedAt: record.updatedAt ?? now,
  };
}
