// Kafka record batch (magic v2) headers. The broker never decodes the records
// themselves: a batch is stored and served exactly as the producer sent it,
// with only baseOffset and partitionLeaderEpoch rewritten (both lie outside
// the CRC, which covers attributes..end).
import { crc32c } from '../protocol/crc32c.js';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';

// Byte positions inside a batch.
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const PARTITION_LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const BASE_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORD_COUNT = 57;
/** Size of the header before the records; the smallest valid batch. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset and batchLength come before the length they describe. */
const LOG_OVERHEAD = 12;

const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface BatchHeader {
  /** Byte offset of the batch in the buffer it was read from. */
  position: number;
  /** Whole batch size in bytes: 12 + batchLength. */
  size: number;
  baseOffset: bigint;
  lastOffsetDelta: number;
  recordCount: number;
  /** 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  transactional: boolean;
  control: boolean;
  /** Timestamp type bit: the broker's append time rather than the producer's create time. */
  logAppendTime: boolean;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  /** -1 when the producer is not idempotent. */
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

/** Why a batch could not be read, or undefined when it is whole and valid. */
type BatchProblem = { errorCode: number; message: string };

/**
 * Checks the framing, magic and CRC of the batch at `position`. Returns the
 * problem rather than throwing, so the log reload can stop at a torn tail.
 */
function checkBatch(buf: Buffer, position: number): BatchProblem | undefined {
  const available = buf.length - position;
  if (available < LOG_OVERHEAD + 5) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `record batch at byte ${position} is truncated: ${available} bytes left, a batch header needs ${BATCH_HEADER_SIZE}` };
  }
  // The magic byte sits at byte 16 in every message format version, so an old
  // client's message set is recognised before its length is judged.
  const magic = buf.readInt8(position + MAGIC);
  if (magic !== 2) {
    return {
      errorCode: ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
      message: `record batch at byte ${position} has message format v${magic}; the embedded broker accepts only v2 record batches (Kafka clients 0.11 and newer)`,
    };
  }
  const size = LOG_OVERHEAD + buf.readInt32BE(position + BATCH_LENGTH);
  if (size < BATCH_HEADER_SIZE) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `record batch at byte ${position} declares ${size} bytes, less than its ${BATCH_HEADER_SIZE}-byte header` };
  }
  if (size > available) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `record batch at byte ${position} is truncated: it declares ${size} bytes but ${available} are left` };
  }
  const stored = buf.readUInt32BE(position + CRC);
  const computed = crc32c(buf, position + ATTRIBUTES, position + size);
  if (stored !== computed) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `record batch at byte ${position} fails its CRC check (stored ${hex(stored)}, computed ${hex(computed)}); the producer or the network corrupted it` };
  }
  return undefined;
}

/** The header of the batch starting at `position` (no checks: see splitBatches). */
export function readBatchHeader(buf: Buffer, position = 0): BatchHeader {
  const attributes = buf.readInt16BE(position + ATTRIBUTES);
  return {
    position,
    size: LOG_OVERHEAD + buf.readInt32BE(position + BATCH_LENGTH),
    baseOffset: buf.readBigInt64BE(position + BASE_OFFSET),
    lastOffsetDelta: buf.readInt32BE(position + LAST_OFFSET_DELTA),
    recordCount: buf.readInt32BE(position + RECORD_COUNT),
    compression: attributes & 0x07,
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
    logAppendTime: (attributes & 0x08) !== 0,
    baseTimestamp: buf.readBigInt64BE(position + BASE_TIMESTAMP),
    maxTimestamp: buf.readBigInt64BE(position + MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(position + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(position + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(position + BASE_SEQUENCE),
  };
}

/**
 * Splits and validates the records field of a Produce request. Throws a
 * KafkaProtocolError for the first batch the broker must refuse, so the whole
 * request can be rejected before anything is stored.
 */
export function splitBatches(records: Buffer): BatchHeader[] {
  const batches: BatchHeader[] = [];
  for (let position = 0; position < records.length; ) {
    const problem = checkBatch(records, position);
    if (problem !== undefined) throw new KafkaProtocolError(problem.errorCode, problem.message);
    const header = readBatchHeader(records, position);
    // Batches are stored and served as they came, whatever their codec (none, gzip, snappy,
    // lz4, zstd): the broker never inflates them. Only a codec Kafka does not define is refused.
    if (COMPRESSION_NAMES[header.compression] === undefined) {
      throw new KafkaProtocolError(
        ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        `record batch at byte ${position} uses compression codec ${header.compression}, which Kafka does not define (none, gzip, snappy, lz4, zstd)`,
      );
    }
    if (header.control) {
      // Control batches (transaction markers) are written by brokers, never by clients.
      throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, `record batch at byte ${position} is a control batch; clients may not produce control batches`);
    }
    if (header.recordCount < 1 || header.lastOffsetDelta < 0) {
      throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, `record batch at byte ${position} holds no records (recordCount ${header.recordCount}, lastOffsetDelta ${header.lastOffsetDelta})`);
    }
    // Offsets are assigned from lastOffsetDelta, so it must agree with the count.
    // A compressed batch's count is only checked by the consumer that inflates it.
    if (header.compression === 0 && header.recordCount !== header.lastOffsetDelta + 1) {
      throw new KafkaProtocolError(
        ErrorCode.INVALID_RECORD,
        `record batch at byte ${position} has recordCount ${header.recordCount} but lastOffsetDelta ${header.lastOffsetDelta}; they must differ by one`,
      );
    }
    batches.push(header);
    position += header.size;
  }
  return batches;
}

/** A stretch of a segment: a whole, valid batch, or bytes that hold none. */
export type SegmentEntry = { kind: 'batch'; header: BatchHeader } | { kind: 'gap'; position: number; end: number };

/**
 * Reads a log segment as valid batches and the gaps between them. A batch
 * that is truncated, fails its CRC or goes back in offsets starts a gap; the
 * gap ends at the next position where a whole batch with a CRC that checks
 * out (and an offset not below `firstOffset` and its predecessors) begins, or
 * at the end of the buffer. So one flipped bit costs one batch, not the rest
 * of the file.
 */
export function scanSegment(log: Buffer, firstOffset: bigint): SegmentEntry[] {
  const entries: SegmentEntry[] = [];
  let next = firstOffset;
  for (let position = 0; position < log.length; ) {
    if (checkBatch(log, position) === undefined) {
      const header = readBatchHeader(log, position);
      if (header.baseOffset >= next && header.lastOffsetDelta >= 0) {
        entries.push({ kind: 'batch', header });
        next = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
        position += header.size;
        continue;
      }
    }
    const end = nextBatchAt(log, position + 1, next);
    entries.push({ kind: 'gap', position, end });
    position = end;
  }
  return entries;
}

/** The first position from `from` on where a valid batch at or after `minOffset` starts; the buffer's length when none does. */
function nextBatchAt(log: Buffer, from: number, minOffset: bigint): number {
  for (let at = from; at + BATCH_HEADER_SIZE <= log.length; at++) {
    // Cheap tests first: the magic byte, an offset that fits, a length that fits; the CRC last.
    if (log[at + MAGIC] !== 2 || log.readBigInt64BE(at + BASE_OFFSET) < minOffset) continue;
    const size = LOG_OVERHEAD + log.readInt32BE(at + BATCH_LENGTH);
    if (size < BATCH_HEADER_SIZE || size > log.length - at) continue;
    if (checkBatch(log, at) === undefined && log.readInt32BE(at + LAST_OFFSET_DELTA) >= 0) return at;
  }
  return log.length;
}

/**
 * What the unreadable bytes at `position` claim about themselves, when their
 * header is intact enough to believe (magic 2, the expected base offset, a
 * sane offset delta): the offsets a corrupt batch there covered.
 */
export function claimedOffsets(log: Buffer, position: number, expected: bigint): { baseOffset: bigint; lastOffset: bigint } | undefined {
  if (log.length - position < BATCH_HEADER_SIZE || log[position + MAGIC] !== 2) return undefined;
  const baseOffset = log.readBigInt64BE(position + BASE_OFFSET);
  const delta = log.readInt32BE(position + LAST_OFFSET_DELTA);
  if (baseOffset !== expected || delta < 0 || delta > 1_000_000) return undefined;
  return { baseOffset, lastOffset: baseOffset + BigInt(delta) };
}

/** Rewrites the batch's baseOffset (outside the CRC). */
export function setBaseOffset(buf: Buffer, position: number, offset: bigint): void {
  buf.writeBigInt64BE(offset, position + BASE_OFFSET);
}

/** Rewrites the batch's partitionLeaderEpoch (outside the CRC); a single broker always leads at epoch 0. */
export function setPartitionLeaderEpoch(buf: Buffer, position: number, epoch: number): void {
  buf.writeInt32BE(epoch, position + PARTITION_LEADER_EPOCH);
}

/** Reads the batch's producerId without building a whole header (used when retention drops a batch). */
export function readProducerId(buf: Buffer, position: number): bigint {
  return buf.readBigInt64BE(position + PRODUCER_ID);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Control record types (the key's second int16) of a transaction marker. */
export const CONTROL_ABORT = 0;
export const CONTROL_COMMIT = 1;

/**
 * A transaction marker as Kafka writes it: a control batch (attributes: transactional and
 * control) of one record whose key is version 0 + type (0 abort, 1 commit) and whose value
 * is version 0 + the coordinator epoch; baseOffset 0 (the log sets it), no sequence.
 */
export function controlBatch(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch: number, timestampMs: number): Buffer {
  const record = Buffer.alloc(17);
  let at = 0;
  record[at++] = 16 << 1; // length 16, zigzag
  record[at++] = 0; // attributes
  record[at++] = 0; // timestamp delta
  record[at++] = 0; // offset delta
  record[at++] = 4 << 1; // key length
  record.writeInt16BE(0, at);
  record.writeInt16BE(commit ? CONTROL_COMMIT : CONTROL_ABORT, at + 2);
  at += 4;
  record[at++] = 6 << 1; // value length
  record.writeInt16BE(0, at);
  record.writeInt32BE(coordinatorEpoch, at + 2);
  at += 6;
  record[at++] = 0; // no headers
  const batch = Buffer.alloc(BATCH_HEADER_SIZE + record.length);
  record.copy(batch, BATCH_HEADER_SIZE);
  batch.writeBigInt64BE(0n, BASE_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH);
  batch.writeInt32BE(0, PARTITION_LEADER_EPOCH);
  batch.writeInt8(2, MAGIC);
  batch.writeInt16BE(0x30, ATTRIBUTES);
  batch.writeInt32BE(0, LAST_OFFSET_DELTA);
  batch.writeBigInt64BE(BigInt(timestampMs), BASE_TIMESTAMP);
  batch.writeBigInt64BE(BigInt(timestampMs), MAX_TIMESTAMP);
  batch.writeBigInt64BE(producerId, PRODUCER_ID);
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH);
  batch.writeInt32BE(-1, BASE_SEQUENCE);
  batch.writeInt32BE(1, RECORD_COUNT);
  batch.writeUInt32BE(crc32c(batch, ATTRIBUTES, batch.length), CRC);
  return batch;
}

/**
 * The type of the control batch at `position` (CONTROL_ABORT or CONTROL_COMMIT), read from
 * its first record's key; undefined when the key is not a marker's (unknown control types
 * are skipped, as Kafka skips them).
 */
export function controlType(buf: Buffer, header: BatchHeader): number | undefined {
  if (header.compression !== 0) return undefined;
  let at = header.position + BATCH_HEADER_SIZE;
  const end = header.position + header.size;
  const varint = (): number => {
    let raw = 0;
    let shift = 0;
    let byte: number;
    do {
      if (at >= end) return Number.NaN;
      byte = buf[at++]!;
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (raw >>> 1) ^ -(raw & 1);
  };
  varint(); // record length
  at++; // attributes
  varint(); // timestamp delta (a varlong; a marker's fits a varint)
  varint(); // offset delta
  const keyLength = varint();
  if (keyLength < 4 || at + 4 > end) return undefined;
  const type = buf.readInt16BE(at + 2);
  return type === CONTROL_ABORT || type === CONTROL_COMMIT ? type : undefined;
}
