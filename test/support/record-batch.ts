// Record batches (magic v2) built by hand for the embedded broker's tests, the way a
// Kafka producer encodes them, and a helper to catch the broker's protocol refusals.
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from '../../src/protocol/crc32c.js';
import { KafkaProtocolError } from '../../src/protocol/error-codes.js';
import { Reader } from '../../src/protocol/reader.js';

export interface BatchHeaderSpec {
  /** What the producer writes; the broker replaces it. */
  baseOffset?: bigint;
  recordCount: number;
  /** Attribute bits 0-2 (0 none, 1 gzip, 2 snappy, ...). */
  compression?: number;
  /** Base timestamp; also the max unless maxTimestamp says otherwise. */
  timestamp?: bigint;
  maxTimestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface TestRecord {
  key: string | null;
  value: string | null;
  /** Default: the batch's timestamp. */
  timestamp?: bigint;
}

export interface BatchSpec extends Omit<BatchHeaderSpec, 'recordCount'> {
  records: TestRecord[];
}

const HEADER_BYTES = 61;

/** A batch around already-encoded (or filler) record bytes, sealed with its CRC. */
export function batchWithRecords(recordBytes: Buffer, spec: BatchHeaderSpec): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const timestamp = spec.timestamp ?? 1_700_000_000_000n;
  header.writeBigInt64BE(spec.baseOffset ?? 0n, 0);
  header.writeInt32BE(HEADER_BYTES - 12 + recordBytes.length, 8);
  header.writeInt32BE(-1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(spec.compression ?? 0, 21);
  header.writeInt32BE(spec.recordCount - 1, 23);
  header.writeBigInt64BE(timestamp, 27);
  header.writeBigInt64BE(spec.maxTimestamp ?? timestamp, 35);
  header.writeBigInt64BE(spec.producerId ?? -1n, 43);
  header.writeInt16BE(spec.producerEpoch ?? -1, 51);
  header.writeInt32BE(spec.baseSequence ?? -1, 53);
  header.writeInt32BE(spec.recordCount, 57);
  const batch = Buffer.concat([header, recordBytes]);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let zigzag = (value << 1) ^ (value >> 31);
  while ((zigzag & ~0x7f) !== 0) {
    bytes.push((zigzag & 0x7f) | 0x80);
    zigzag >>>= 7;
  }
  bytes.push(zigzag);
  return Buffer.from(bytes);
}

function varBytes(text: string | null): Buffer {
  if (text === null) return varint(-1);
  const bytes = Buffer.from(text);
  return Buffer.concat([varint(bytes.length), bytes]);
}

/** A batch of real records (gzip really compresses; other codecs only set the bits). */
export function encodeBatch(spec: BatchSpec): Buffer {
  const base = spec.timestamp ?? 1_700_000_000_000n;
  const times = spec.records.map((record) => record.timestamp ?? base);
  const records = spec.records.map((record, index) => {
    const body = Buffer.concat([Buffer.from([0]), varint(Number(times[index]! - base)), varint(index), varBytes(record.key), varBytes(record.value), varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  });
  const plain = Buffer.concat(records);
  const maxTimestamp = times.reduce((a, b) => (b > a ? b : a), base);
  return batchWithRecords(spec.compression === 1 ? gzipSync(plain) : plain, { ...spec, timestamp: base, maxTimestamp, recordCount: spec.records.length });
}

/** The KafkaProtocolError `work` throws (fails the test when it throws nothing or something else). */
export function refusal(work: () => unknown): KafkaProtocolError {
  try {
    work();
  } catch (error) {
    if (error instanceof KafkaProtocolError) return error;
    throw error;
  }
  throw new Error('expected a KafkaProtocolError');
}

/** Offsets and values of every record in `bytes` (whole batches, none or gzip), as a consumer reads them. */
export function decodeBatchValues(bytes: Buffer): Array<{ offset: bigint; key: string | null; value: string }> {
  const out: Array<{ offset: bigint; key: string | null; value: string }> = [];
  for (let at = 0; at + 12 <= bytes.length; ) {
    const size = 12 + bytes.readInt32BE(at + 8);
    if (at + size > bytes.length) break; // a partial batch at the end of a fetch answer
    const baseOffset = bytes.readBigInt64BE(at);
    const body = bytes.subarray(at + 61, at + size);
    const reader = new Reader((bytes.readInt16BE(at + 21) & 0x07) === 1 ? gunzipSync(body) : body);
    for (let i = bytes.readInt32BE(at + 57); i > 0; i--) {
      reader.varint(); // record length
      reader.int8(); // attributes
      reader.varlong(); // timestamp delta
      const offsetDelta = reader.varint();
      const keyLength = reader.varint();
      const key = keyLength < 0 ? null : reader.raw(keyLength).toString('utf8');
      const valueLength = reader.varint();
      const value = valueLength < 0 ? '' : reader.raw(valueLength).toString('utf8');
      for (let h = reader.varint(); h > 0; h--) {
        reader.raw(reader.varint());
        const headerValue = reader.varint();
        if (headerValue > 0) reader.raw(headerValue);
      }
      out.push({ offset: baseOffset + BigInt(offsetDelta), key, value });
    }
    at += size;
  }
  return out;
}
