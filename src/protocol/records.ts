// Record batches (magic v2) as a Kafka client writes and reads them: encoding a
// producer's records into one sealed batch, and decoding the records field of a
// Fetch answer straight into what the caller gets back. The embedded broker does
// not decode records (src/embedded-kafka/record-batch.ts checks headers only).
import { gunzipSync, gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from './codecs.js';
import { crc32c } from './crc32c.js';
import { FrameError } from './reader.js';

// Byte positions inside a batch header.
export const BATCH_OFFSETS = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;
/** Size of the header before the records. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** baseOffset and batchLength come before the length they describe. */
const LOG_OVERHEAD = 12;

export const COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

/** zstd through node:zlib where the running Node has it (22.15+ / 23.8+). */
const zstd = zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer; zstdDecompressSync?: (b: Buffer) => Buffer };

export class UnsupportedCodecError extends Error {
  constructor(readonly codec: string) {
    super(`${codec} compression is not available in this firehose on Node ${process.version}: use gzip, snappy, lz4 or none${codec === 'zstd' ? ' (or Node 22.15 or later, which has zstd)' : ''}`);
    this.name = 'UnsupportedCodecError';
  }
}

function compress(codec: CompressionCodec, plain: Buffer): Buffer {
  if (codec === 'gzip') return gzipSync(plain);
  if (codec === 'snappy') return snappyCompress(plain);
  if (codec === 'lz4') return lz4Compress(plain);
  if (codec === 'zstd' && zstd.zstdCompressSync) return zstd.zstdCompressSync(plain);
  throw new UnsupportedCodecError(codec);
}

/** A batch's records section inflated with its codec (attributes bits 0-2); UnsupportedCodecError where Node lacks it (zstd before 22.15). */
export function decompress(code: number, body: Buffer): Buffer {
  if (code === 1) return gunzipSync(body);
  if (code === 2) return snappyDecompress(body);
  if (code === 3) return lz4Decompress(body);
  if (code === 4 && zstd.zstdDecompressSync) return zstd.zstdDecompressSync(body);
  throw new UnsupportedCodecError(COMPRESSION_CODECS[code] ?? `codec ${code}`);
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record as a producer hands it over; text is written as UTF-8 straight into the batch. */
export interface ProducerRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeader[];
  /** Create time in ms; default: when the batch is encoded. */
  timestamp?: number;
}

export interface BatchOptions {
  compression?: CompressionCodec;
  /** -1 (the default) when the producer is not idempotent. */
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

function varintSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

/** Zigzag varlong size for a safe integer (timestamp deltas). */
function varlongSize(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

function writeVarlong(buf: Buffer, at: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 128) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

function dataLength(data: Buffer | string | null): number {
  if (data === null) return -1;
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
}

/**
 * Builds one record batch (v2, CRC32C) record by record: each record is written into the
 * batch's buffer as it is appended, so a producer holds bytes, not record objects, while a
 * batch fills. finish() writes the header (baseOffset 0: the broker assigns offsets),
 * compresses the records when asked, and seals the CRC.
 */
export class RecordBatchBuilder {
  private buf: Buffer;
  private at = RECORD_BATCH_HEADER_SIZE;
  private firstTimestamp = 0;
  private maxTimestamp = 0;
  /** Records appended so far. */
  count = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, RECORD_BATCH_HEADER_SIZE + 64));
  }

  /** Bytes written so far, header included (before compression). */
  get length(): number {
    return this.at;
  }

  /**
   * Writes one record and returns the bytes it took; `now` stands in for a record without a
   * timestamp. Returns 0, writing nothing, when the record would take the batch past
   * `maxBytes` (a batch's first record is always written).
   */
  append(record: ProducerRecord, now: number, maxBytes = Infinity): number {
    const timestamp = record.timestamp ?? now;
    const delta = this.count === 0 ? 0 : timestamp - this.firstTimestamp;
    const key = record.key;
    const value = record.value;
    const keyLength = dataLength(key);
    const valueLength = dataLength(value);
    const headers = record.headers;
    let size = 1 + varlongSize(delta) + varintSize(this.count) + varintSize(keyLength) + Math.max(0, keyLength) + varintSize(valueLength) + Math.max(0, valueLength);
    let headerKeys: Buffer[] | undefined;
    if (headers && headers.length > 0) {
      headerKeys = headers.map((h) => Buffer.from(h.key, 'utf8'));
      size += varintSize(headers.length);
      for (let h = 0; h < headers.length; h++) {
        const k = headerKeys[h]!;
        const v = headers[h]!.value;
        size += varintSize(k.length) + k.length + varintSize(v ? v.length : -1) + (v ? v.length : 0);
      }
    } else size += 1;
    const total = varintSize(size) + size;
    if (this.at + total > maxBytes && this.count > 0) return 0;
    this.reserve(total);
    const buf = this.buf;
    const start = this.at;
    let at = writeVarint(buf, start, size);
    buf[at++] = 0; // attributes
    at = writeVarlong(buf, at, delta);
    at = writeVarint(buf, at, this.count);
    at = writeData(buf, at, key, keyLength);
    at = writeData(buf, at, value, valueLength);
    if (headerKeys) {
      at = writeVarint(buf, at, headerKeys.length);
      for (let h = 0; h < headerKeys.length; h++) {
        at = writeBytes(buf, at, headerKeys[h]!);
        at = writeBytes(buf, at, headers![h]!.value);
      }
    } else buf[at++] = 0; // no headers
    this.at = at;
    if (this.count === 0) this.firstTimestamp = this.maxTimestamp = timestamp;
    else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.count++;
    return at - start;
  }

  /**
   * Writes one keyless, headerless record whose value is `source[start, end)` (no view or
   * string per record); returns as append() does.
   */
  appendValue(source: Buffer, start: number, end: number, timestamp: number, maxBytes = Infinity): number {
    const delta = this.count === 0 ? 0 : timestamp - this.firstTimestamp;
    const valueLength = end - start;
    // attributes, delta, offset delta, null key (-1: one byte), value, no headers (one byte)
    const size = 1 + varlongSize(delta) + varintSize(this.count) + 1 + varintSize(valueLength) + valueLength + 1;
    const total = varintSize(size) + size;
    if (this.at + total > maxBytes && this.count > 0) return 0;
    this.reserve(total);
    const buf = this.buf;
    let at = writeVarint(buf, this.at, size);
    buf[at++] = 0;
    at = writeVarlong(buf, at, delta);
    at = writeVarint(buf, at, this.count);
    buf[at++] = 1; // zigzag -1: no key
    at = writeVarint(buf, at, valueLength);
    at = copyBytes(source, start, end, buf, at);
    buf[at++] = 0;
    this.at = at;
    if (this.count === 0) this.firstTimestamp = this.maxTimestamp = timestamp;
    else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.count++;
    return total;
  }

  /** The sealed batch. The builder must not be used afterwards. */
  finish(options: BatchOptions = {}): Buffer {
    if (this.count === 0) throw new Error('a record batch needs at least one record');
    const codec = options.compression ?? 'none';
    let batch = this.buf.subarray(0, this.at);
    if (codec !== 'none') {
      const compressed = compress(codec, batch.subarray(RECORD_BATCH_HEADER_SIZE));
      batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE + compressed.length);
      compressed.copy(batch, RECORD_BATCH_HEADER_SIZE);
    }
    const o = BATCH_OFFSETS;
    batch.writeBigInt64BE(0n, o.baseOffset);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, o.batchLength);
    batch.writeInt32BE(-1, o.partitionLeaderEpoch);
    batch.writeInt8(2, o.magic);
    batch.writeInt16BE(COMPRESSION_CODECS.indexOf(codec), o.attributes);
    batch.writeInt32BE(this.count - 1, o.lastOffsetDelta);
    batch.writeBigInt64BE(BigInt(this.firstTimestamp), o.baseTimestamp);
    batch.writeBigInt64BE(BigInt(this.maxTimestamp), o.maxTimestamp);
    batch.writeBigInt64BE(options.producerId ?? -1n, o.producerId);
    batch.writeInt16BE(options.producerEpoch ?? -1, o.producerEpoch);
    batch.writeInt32BE(options.baseSequence ?? -1, o.baseSequence);
    batch.writeInt32BE(this.count, o.recordCount);
    batch.writeUInt32BE(crc32c(batch, o.attributes), o.crc);
    return batch;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

/**
 * One sealed record batch holding `records` (see RecordBatchBuilder), with baseOffset 0
 * (the broker assigns offsets); the first record's timestamp is the batch's base.
 */
export function encodeRecordBatch(records: readonly ProducerRecord[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  const builder = new RecordBatchBuilder(RECORD_BATCH_HEADER_SIZE + records.length * 64);
  const now = Date.now();
  for (const record of records) builder.append(record, now);
  return builder.finish(options);
}

function writeData(buf: Buffer, at: number, data: Buffer | string | null, length: number): number {
  if (typeof data !== 'string') return writeBytes(buf, at, data);
  at = writeVarint(buf, at, length);
  return at + buf.write(data, at, length, 'utf8');
}

/**
 * Copies source[start, end) to target at `at`; returns the position after. Short ranges are
 * copied here: Buffer.copy allocates a view per call, which costs more than the bytes.
 */
function copyBytes(source: Buffer, start: number, end: number, target: Buffer, at: number): number {
  if (end - start > 64) return at + source.copy(target, at, start, end);
  for (let i = start; i < end; i++) target[at++] = source[i]!;
  return at;
}

function writeBytes(buf: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, at, -1);
  const length = bytes.length;
  at = writeVarint(buf, at, length);
  return copyBytes(bytes, 0, length, buf, at);
}

/** A record as a consumer gets it; key, value and header values are views into the fetched bytes. */
export interface ConsumedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Empty (a shared array) when the record has none. */
  headers: readonly RecordHeader[];
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * Every record in the records bytes of a Fetch answer, in offset order, from `minOffset`
 * on (a fetch may start inside a batch). A partial batch at the end (the broker cuts at
 * its size limit) is ignored; control batches (transaction markers) are skipped.
 */
export function decodeRecordBatches(bytes: Buffer, minOffset = 0, out: ConsumedRecord[] = []): ConsumedRecord[] {
  const o = BATCH_OFFSETS;
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= bytes.length; ) {
    const size = LOG_OVERHEAD + bytes.readInt32BE(at + o.batchLength);
    if (at + size > bytes.length) break;
    const magic = bytes.readInt8(at + o.magic);
    if (magic !== 2) throw new FrameError(`record batch at byte ${at} has message format v${magic}; only v2 is read`);
    const attributes = bytes.readInt16BE(at + o.attributes);
    const baseOffset = Number(bytes.readBigInt64BE(at + o.baseOffset));
    const lastOffset = baseOffset + bytes.readInt32BE(at + o.lastOffsetDelta);
    if ((attributes & 0x20) === 0 && lastOffset >= minOffset) {
      const stored = bytes.readUInt32BE(at + o.crc);
      if (crc32c(bytes, at + o.attributes, at + size) !== stored) throw new FrameError(`record batch at offset ${baseOffset} fails its CRC check`);
      const logAppendTime = (attributes & 0x08) !== 0;
      const baseTimestamp = Number(bytes.readBigInt64BE(at + o.baseTimestamp));
      const maxTimestamp = logAppendTime ? Number(bytes.readBigInt64BE(at + o.maxTimestamp)) : 0;
      const codec = attributes & 0x07;
      const body = bytes.subarray(at + RECORD_BATCH_HEADER_SIZE, at + size);
      decodeRecords(codec === 0 ? body : decompress(codec, body), bytes.readInt32BE(at + o.recordCount), baseOffset, baseTimestamp, logAppendTime ? maxTimestamp : -1, minOffset, out);
    }
    at += size;
  }
  return out;
}

function decodeRecords(buf: Buffer, count: number, baseOffset: number, baseTimestamp: number, appendTime: number, minOffset: number, out: ConsumedRecord[]): void {
  let at = 0;
  // Inline varint reads: this loop runs once per consumed record.
  const varint = (): number => {
    let raw = 0;
    let shift = 0;
    let byte: number;
    do {
      if (at >= buf.length) throw new FrameError('record ends early');
      byte = buf[at++]!;
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (raw >>> 1) ^ -(raw & 1);
  };
  const varlong = (): number => {
    let raw = 0;
    let scale = 1;
    let byte: number;
    do {
      if (at >= buf.length) throw new FrameError('record ends early');
      byte = buf[at++]!;
      raw += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  };
  const bytes = (): Buffer | null => {
    const length = varint();
    if (length < 0) return null;
    if (at + length > buf.length) throw new FrameError('record ends early');
    const b = buf.subarray(at, at + length);
    at += length;
    return b;
  };
  for (let i = 0; i < count; i++) {
    const length = varint();
    const end = at + length;
    at++; // attributes
    const timestampDelta = varlong();
    const offset = baseOffset + varint();
    const key = bytes();
    const value = bytes();
    const headerCount = varint();
    let headers = NO_HEADERS;
    if (headerCount > 0) {
      const list: RecordHeader[] = [];
      for (let h = 0; h < headerCount; h++) {
        const k = bytes();
        list.push({ key: k ? k.toString('utf8') : '', value: bytes() });
      }
      headers = list;
    }
    at = end;
    if (offset < minOffset) continue;
    out.push({ offset, timestamp: appendTime >= 0 ? appendTime : baseTimestamp + timestampDelta, key, value, headers });
  }
}

/** An aborted transaction as a read_committed Fetch answer names it. */
export interface AbortedTransactionRef {
  producerId: bigint;
  firstOffset: bigint;
}

/**
 * The records bytes of a read_committed Fetch answer without the batches of aborted
 * transactions, as Kafka's consumers skip them: a producer's transactional batches are
 * skipped from an aborted transaction's first offset until that producer's ABORT marker.
 * Control batches stay (decodeRecordBatches skips them). Returns `bytes` itself when there is
 * nothing to skip.
 */
export function withoutAbortedBatches(bytes: Buffer, aborted: readonly AbortedTransactionRef[] | null): Buffer {
  if (!aborted || aborted.length === 0) return bytes;
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const active = new Set<bigint>();
  const kept: Buffer[] = [];
  let skipped = false;
  const o = BATCH_OFFSETS;
  for (let at = 0; at + RECORD_BATCH_HEADER_SIZE <= bytes.length; ) {
    const size = LOG_OVERHEAD + bytes.readInt32BE(at + o.batchLength);
    if (at + size > bytes.length) break;
    const baseOffset = bytes.readBigInt64BE(at + o.baseOffset);
    const lastOffset = baseOffset + BigInt(bytes.readInt32BE(at + o.lastOffsetDelta));
    while (pending.length > 0 && pending[0]!.firstOffset <= lastOffset) active.add(pending.shift()!.producerId);
    const attributes = bytes.readInt16BE(at + o.attributes);
    const producerId = bytes.readBigInt64BE(at + o.producerId);
    const transactional = (attributes & 0x10) !== 0;
    const control = (attributes & 0x20) !== 0;
    if (control) {
      // An ABORT marker (control key type 0) ends its producer's aborted transaction.
      if (active.has(producerId) && isAbortMarker(bytes, at + RECORD_BATCH_HEADER_SIZE, at + size)) active.delete(producerId);
      kept.push(bytes.subarray(at, at + size));
    } else if (transactional && active.has(producerId)) {
      skipped = true;
    } else {
      kept.push(bytes.subarray(at, at + size));
    }
    at += size;
  }
  return skipped ? Buffer.concat(kept) : bytes;
}

/** True when the control record at `at` has an ABORT key (version int16, type int16 = 0). */
function isAbortMarker(bytes: Buffer, at: number, end: number): boolean {
  // length, attributes, timestamp delta, offset delta, key length: a marker's all fit one byte each.
  const keyAt = at + 5;
  return keyAt + 4 <= end && bytes[at + 4] === 4 << 1 && bytes.readInt16BE(keyAt + 2) === 0;
}
