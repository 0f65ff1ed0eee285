// Idempotent-producer bookkeeping for one partition: per producer id, its
// epoch and its last five batches' sequence ranges (a client has at most five
// requests in flight, so a retry always matches one of them). Kafka's
// ProducerStateManager does the same; a transaction marker written at a newer
// epoch (a fenced or timed-out transaction) raises the epoch here too.
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import type { BatchHeader } from './record-batch.js';

const REMEMBERED_BATCHES = 5;

interface SequenceRange {
  baseSequence: number;
  lastSequence: number;
  baseOffset: bigint;
}

/** Immutable, so a multi-batch request can stage changes and drop them on failure. */
export interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most REMEMBERED_BATCHES. */
  batches: readonly SequenceRange[];
  /** Last offset of the producer's newest batch, to forget it once retention drops that batch. */
  lastOffset: bigint;
  /** The newest batch's (or transaction marker's) max timestamp (DescribeProducers). */
  lastTimestamp: bigint;
  /** The transaction coordinator's epoch from the producer's last marker; -1 before one. */
  coordinatorEpoch: number;
}

/** What appending a batch means for its producer. */
export type SequenceCheck = { duplicateOf: bigint } | { entry: ProducerEntry };

/** True when the batch carries idempotence metadata the broker must check. */
export function isIdempotent(header: BatchHeader): boolean {
  return header.producerId >= 0n && header.baseSequence >= 0;
}

/**
 * Decides whether `header`, stored at `baseOffset`, may follow `entry`:
 * a retry of a remembered batch is a duplicate, the next sequence (or any
 * sequence for a producer seen for the first time) gives the producer's new
 * entry, and anything else throws.
 *
 * Sequence numbers wrap to 0 after int32 max; that is ignored here, as a
 * producer would need two billion records on one partition to get there.
 */
export function checkSequence(entry: ProducerEntry | undefined, header: BatchHeader, baseOffset: bigint): SequenceCheck {
  const lastSequence = header.baseSequence + header.lastOffsetDelta;
  const range: SequenceRange = { baseSequence: header.baseSequence, lastSequence, baseOffset };
  const lastOffset = baseOffset + BigInt(header.lastOffsetDelta);
  const lastTimestamp = header.maxTimestamp;
  const coordinatorEpoch = entry?.coordinatorEpoch ?? -1;
  if (entry === undefined) return { entry: { epoch: header.producerEpoch, batches: [range], lastOffset, lastTimestamp, coordinatorEpoch } };

  if (header.producerEpoch < entry.epoch) {
    throw new KafkaProtocolError(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `producer ${header.producerId} sent epoch ${header.producerEpoch} but epoch ${entry.epoch} has taken over; a newer instance of this producer is running`,
    );
  }
  if (header.producerEpoch > entry.epoch) {
    // A new epoch starts its sequence again at 0.
    if (header.baseSequence !== 0) {
      throw new KafkaProtocolError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${header.producerId} started epoch ${header.producerEpoch} at sequence ${header.baseSequence}, expected 0`,
      );
    }
    return { entry: { epoch: header.producerEpoch, batches: [range], lastOffset, lastTimestamp, coordinatorEpoch } };
  }
  // The epoch came from a transaction marker: the producer's first batch at it may take any sequence.
  if (entry.batches.length === 0) return { entry: { epoch: entry.epoch, batches: [range], lastOffset, lastTimestamp, coordinatorEpoch } };
  for (const seen of entry.batches) {
    if (seen.baseSequence === header.baseSequence && seen.lastSequence === lastSequence) return { duplicateOf: seen.baseOffset };
  }
  const expected = entry.batches[entry.batches.length - 1].lastSequence + 1;
  if (header.baseSequence !== expected) {
    throw new KafkaProtocolError(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `producer ${header.producerId} sent sequence ${header.baseSequence}, expected ${expected}; a batch before it was lost`,
    );
  }
  const batches = entry.batches.length < REMEMBERED_BATCHES ? [...entry.batches, range] : [...entry.batches.slice(1), range];
  return { entry: { epoch: entry.epoch, batches, lastOffset, lastTimestamp, coordinatorEpoch } };
}

/** The producers of one partition, keyed by producer id. */
export class ProducerStates {
  private readonly producers = new Map<bigint, ProducerEntry>();

  get(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  set(producerId: bigint, entry: ProducerEntry): void {
    this.producers.set(producerId, entry);
  }

  /** Rebuilds state from a stored batch on reload: no checks, the batch was accepted once. */
  replay(header: BatchHeader): void {
    if (!isIdempotent(header)) return;
    let result: SequenceCheck;
    try {
      result = checkSequence(this.producers.get(header.producerId), header, header.baseOffset);
    } catch {
      // Whatever is on disk was accepted once; start this producer afresh from it.
      result = checkSequence(undefined, header, header.baseOffset);
    }
    if ('entry' in result) this.producers.set(header.producerId, result.entry);
  }

  /** Every producer this partition remembers, by producer id. */
  entries(): ReadonlyMap<bigint, ProducerEntry> {
    return this.producers;
  }

  /**
   * A transaction marker at `epoch` (offset `offset`, written by coordinator epoch
   * `coordinatorEpoch`): a newer epoch fences every batch of the older ones, and the
   * producer's next batch at it starts its sequences afresh.
   */
  markerAt(producerId: bigint, epoch: number, offset: bigint, timestamp: bigint, coordinatorEpoch: number): void {
    const entry = this.producers.get(producerId);
    if (entry !== undefined && entry.epoch > epoch) return;
    if (entry !== undefined && entry.epoch === epoch) this.producers.set(producerId, { ...entry, lastTimestamp: timestamp, coordinatorEpoch });
    else this.producers.set(producerId, { epoch, batches: [], lastOffset: offset, lastTimestamp: timestamp, coordinatorEpoch });
  }

  /**
   * Forgets a producer once retention drops the batch at `lastOffset` and that
   * was its newest, so the table stays as bounded as the log.
   */
  forgetIfLast(producerId: bigint, lastOffset: bigint): void {
    const entry = this.producers.get(producerId);
    if (entry !== undefined && entry.lastOffset <= lastOffset) this.producers.delete(producerId);
  }
}
