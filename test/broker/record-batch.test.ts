// Record batch headers: splitting and validating a Produce request's records,
// rewriting offsets, and reading a log whose tail was torn by a crash.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/broker/crc32c.js';
import { ErrorCode } from '../../src/broker/protocol/error-codes.js';
import { readBatchHeaders, setBaseOffset, setPartitionLeaderEpoch, splitBatches } from '../../src/broker/record-batch.js';
import { encodeBatch, refusal } from '../support/record-batch.js';

const two = [
  { key: 'k1', value: 'v1' },
  { key: null, value: 'v2' },
];

describe('crc32c', () => {
  it('matches the standard check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });

  it('gives the same answer for a range as for a copy of it, at every alignment', () => {
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff));
    for (let start = 0; start < 10; start++) {
      for (const end of [start, start + 7, start + 8, start + 9, 100]) {
        expect(crc32c(bytes, start, end)).toBe(crc32c(Buffer.from(bytes.subarray(start, end))));
      }
    }
  });
});

describe('splitBatches', () => {
  it('splits concatenated batches and reads their headers', () => {
    const first = encodeBatch({ records: two, producerId: 7n, producerEpoch: 1, baseSequence: 5 });
    const second = encodeBatch({ records: [{ key: 'k3', value: 'v3' }], compression: 1, timestamp: 1_700_000_000_500n });
    const batches = splitBatches(Buffer.concat([first, second]));
    expect(batches).toEqual([
      {
        position: 0,
        size: first.length,
        baseOffset: 0n,
        lastOffsetDelta: 1,
        recordCount: 2,
        compression: 0,
        transactional: false,
        control: false,
        logAppendTime: false,
        baseTimestamp: 1_700_000_000_000n,
        maxTimestamp: 1_700_000_000_000n,
        producerId: 7n,
        producerEpoch: 1,
        baseSequence: 5,
      },
      expect.objectContaining({ position: first.length, size: second.length, compression: 1, recordCount: 1, producerId: -1n, maxTimestamp: 1_700_000_000_500n }),
    ]);
  });

  it('returns nothing for empty records', () => {
    expect(splitBatches(Buffer.alloc(0))).toEqual([]);
  });

  it('refuses a batch whose CRC does not match with CORRUPT_MESSAGE', () => {
    const batch = encodeBatch({ records: two });
    batch[batch.length - 3] ^= 0x01;
    const error = refusal(() => splitBatches(batch));
    expect(error.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(error.message).toMatch(/fails its CRC check/);
  });

  it('refuses a truncated batch or a trailing partial header with CORRUPT_MESSAGE', () => {
    const batch = encodeBatch({ records: two });
    expect(refusal(() => splitBatches(batch.subarray(0, batch.length - 1))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(refusal(() => splitBatches(Buffer.concat([batch, batch.subarray(0, 10)]))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const short = Buffer.from(batch);
    short.writeInt32BE(20, 8);
    expect(refusal(() => splitBatches(short)).message).toMatch(/less than its 61-byte header/);
  });

  it('names the codec when a producer used one the broker does not store', () => {
    for (const [codec, name] of [
      [2, 'snappy'],
      [3, 'lz4'],
      [4, 'zstd'],
    ] as const) {
      const error = refusal(() => splitBatches(encodeBatch({ records: two, compression: codec })));
      expect(error.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
      expect(error.message).toBe(`the embedded broker stores none and gzip batches; this producer used ${name}: set the producer's compression to gzip or none`);
    }
  });

  it('refuses an old message format with UNSUPPORTED_FOR_MESSAGE_FORMAT', () => {
    const batch = encodeBatch({ records: two });
    batch.writeInt8(1, 16);
    const error = refusal(() => splitBatches(batch));
    expect(error.errorCode).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    expect(error.message).toMatch(/message format v1/);
  });

  it('refuses an uncompressed batch whose record count disagrees with lastOffsetDelta with INVALID_RECORD', () => {
    const batch = encodeBatch({ records: two });
    batch.writeInt32BE(3, 57);
    batch.writeUInt32BE(crc32c(batch, 21), 17);
    expect(refusal(() => splitBatches(batch)).errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('refuses control batches from clients with INVALID_RECORD', () => {
    const batch = encodeBatch({ records: two });
    batch.writeInt16BE(0x20, 21);
    batch.writeUInt32BE(crc32c(batch, 21), 17);
    expect(refusal(() => splitBatches(batch)).errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('accepts batches encoded by kafkajs, with and without gzip', async () => {
    const require = createRequire(import.meta.url);
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
    const records = [Record({ offsetDelta: 0, key: Buffer.from('a'), value: Buffer.from('1') }), Record({ offsetDelta: 1, key: Buffer.from('b'), value: Buffer.from('2') })];
    for (const compression of [0, 1]) {
      const encoded = await RecordBatch({ compression, lastOffsetDelta: 1, records });
      const batches = splitBatches(encoded.buffer as Buffer);
      expect(batches).toMatchObject([{ position: 0, size: encoded.buffer.length, compression, recordCount: 2, lastOffsetDelta: 1 }]);
    }
  });
});

describe('rewriting a batch', () => {
  it('sets baseOffset and partitionLeaderEpoch without breaking the CRC, and kafkajs decodes the new offsets', async () => {
    const batch = encodeBatch({ records: two });
    setBaseOffset(batch, 0, 41n);
    setPartitionLeaderEpoch(batch, 0, 0);
    expect(splitBatches(batch)[0]).toMatchObject({ baseOffset: 41n });
    expect(batch.readInt32BE(12)).toBe(0);

    const require = createRequire(import.meta.url);
    const Decoder = require('kafkajs/src/protocol/decoder.js');
    const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
    const decoded = await decodeBatch(new Decoder(batch));
    expect(decoded.records.map((r: { offset: string; key: Buffer | null; value: Buffer }) => [r.offset, r.key?.toString() ?? null, r.value.toString()])).toEqual([
      ['41', 'k1', 'v1'],
      ['42', null, 'v2'],
    ]);
  });
});

describe('readBatchHeaders', () => {
  it('reads whole batches and reports how many bytes are valid before a torn tail', () => {
    const first = encodeBatch({ records: two });
    const second = encodeBatch({ records: [{ key: 'k', value: 'v' }], baseOffset: 2n });
    const whole = Buffer.concat([first, second]);
    expect(readBatchHeaders(whole)).toMatchObject({ batches: [{ baseOffset: 0n }, { baseOffset: 2n }], validBytes: whole.length });
    for (const cut of [1, 12, 17, 40, second.length - 1]) {
      expect(readBatchHeaders(whole.subarray(0, whole.length - cut))).toMatchObject({ batches: [{ baseOffset: 0n }], validBytes: first.length });
    }
  });

  it('stops at a batch that fails its CRC', () => {
    const first = encodeBatch({ records: two });
    const second = encodeBatch({ records: two, baseOffset: 2n });
    second[second.length - 1] ^= 0xff;
    expect(readBatchHeaders(Buffer.concat([first, second, first]))).toMatchObject({ batches: [{ baseOffset: 0n }], validBytes: first.length });
  });

  it('reads nothing from an empty or garbage buffer', () => {
    expect(readBatchHeaders(Buffer.alloc(0))).toEqual({ batches: [], validBytes: 0 });
    expect(readBatchHeaders(Buffer.alloc(100, 0xab))).toEqual({ batches: [], validBytes: 0 });
  });
});
