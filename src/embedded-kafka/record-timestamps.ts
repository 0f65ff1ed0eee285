// The per-record timestamps inside one stored batch, for ListOffsets by time.
// This is the only place the broker looks inside records (compressed batches are
// inflated for it, whatever their codec); Fetch and Produce never do.
import { Reader } from '../protocol/reader.js';
import { decompress, UnsupportedCodecError } from '../protocol/records.js';
import { BATCH_HEADER_SIZE, readBatchHeader } from './record-batch.js';

/**
 * The first record of `batch` at or after `offset` whose timestamp is >= `target`,
 * or undefined. Batches with LogAppendTime carry one time for every record.
 */
export function firstRecordAtOrAfter(batch: Buffer, target: bigint, offset: bigint): { offset: bigint; timestamp: bigint } | undefined {
  const header = readBatchHeader(batch);
  if (header.logAppendTime) {
    const start = offset > header.baseOffset ? offset : header.baseOffset;
    return header.maxTimestamp >= target ? { offset: start, timestamp: header.maxTimestamp } : undefined;
  }
  const payload = batch.subarray(BATCH_HEADER_SIZE);
  let records: Buffer;
  try {
    records = header.compression === 0 ? payload : decompress(header.compression, payload);
  } catch (error) {
    if (!(error instanceof UnsupportedCodecError)) throw error;
    // A codec this Node cannot inflate (zstd before 22.15): the batch's own max timestamp,
    // at its first offset, is the closest answer without reading the records.
    const start = offset > header.baseOffset ? offset : header.baseOffset;
    return header.maxTimestamp >= target ? { offset: start, timestamp: header.maxTimestamp } : undefined;
  }
  const reader = new Reader(records);
  for (let i = 0; i < header.recordCount; i++) {
    const length = reader.varlong();
    const end = reader.offset + length;
    reader.int8(); // record attributes (unused)
    const timestamp = header.baseTimestamp + BigInt(reader.varlong());
    const recordOffset = header.baseOffset + BigInt(reader.varint());
    if (recordOffset >= offset && timestamp >= target) return { offset: recordOffset, timestamp };
    reader.offset = end;
  }
  return undefined;
}
