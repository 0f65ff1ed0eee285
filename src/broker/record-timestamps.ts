// The per-record timestamps inside one stored batch, for ListOffsets by time.
// This is the only place the broker looks inside records (gzip batches are
// inflated for it); Fetch and Produce never do.
import { gunzipSync } from 'node:zlib';
import { BATCH_HEADER_SIZE } from './record-batch.js';

const ATTRIBUTES = 21;
const BASE_OFFSET = 0;
const BASE_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const RECORD_COUNT = 57;
const GZIP = 1;
const LOG_APPEND_TIME = 0x08;

/** A varint/varlong reader over record bytes (Numbers: deltas fit in 53 bits). */
class VarReader {
  at = 0;
  constructor(private readonly buf: Buffer) {}

  varlong(): number {
    let raw = 0;
    let scale = 1;
    for (;;) {
      const byte = this.buf[this.at++];
      if (byte === undefined) throw new Error('record ends early');
      raw += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
    }
    // zigzag: even → positive, odd → negative
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  skip(bytes: number): void {
    this.at += Math.max(0, bytes);
  }
}

/**
 * The first record of `batch` at or after `offset` whose timestamp is >= `target`,
 * or undefined. Batches with LogAppendTime carry one time for every record.
 */
export function firstRecordAtOrAfter(batch: Buffer, target: bigint, offset: bigint): { offset: bigint; timestamp: bigint } | undefined {
  const baseOffset = batch.readBigInt64BE(BASE_OFFSET);
  const attributes = batch.readInt16BE(ATTRIBUTES);
  if (attributes & LOG_APPEND_TIME) {
    const time = batch.readBigInt64BE(MAX_TIMESTAMP);
    return time >= target ? { offset: offset > baseOffset ? offset : baseOffset, timestamp: time } : undefined;
  }
  const baseTimestamp = batch.readBigInt64BE(BASE_TIMESTAMP);
  const count = batch.readInt32BE(RECORD_COUNT);
  const payload = batch.subarray(BATCH_HEADER_SIZE);
  const records = (attributes & 0x07) === GZIP ? gunzipSync(payload) : payload;
  const reader = new VarReader(records);
  for (let i = 0; i < count; i++) {
    const length = reader.varlong();
    const end = reader.at + length;
    reader.skip(1); // attributes
    const timestamp = baseTimestamp + BigInt(reader.varlong());
    const recordOffset = baseOffset + BigInt(reader.varlong());
    if (recordOffset >= offset && timestamp >= target) return { offset: recordOffset, timestamp };
    reader.at = end;
  }
  return undefined;
}
