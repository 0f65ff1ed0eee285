// Record batch headers: splitting and validating a Produce request's records,
// rewriting offsets, and reading a log whose tail was torn by a crash.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/protocol/crc32c.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { scanSegment, setBaseOffset, setPartitionLeaderEpoch, splitBatches, type SegmentEntry } from '../../src/embedded-kafka/record-batch.js';
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

  it('stores batches of every codec as they came, and refuses a codec Kafka does not define', () => {
    for (const codec of [0, 1, 2, 3, 4]) expect(splitBatches(encodeBatch({ records: two, compression: codec }))[0]!.compression).toBe(codec);
    const error = refusal(() => splitBatches(encodeBatch({ records: two, compression: 5 })));
    expect(error.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(error.message).toMatch(/uses compression codec 5, which Kafka does not define/);
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

describe('scanSegment', () => {
  const kinds = (entries: SegmentEntry[]) => entries.map((e) => (e.kind === 'batch' ? e.header.baseOffset : [e.position, e.end]));

  it('reads whole batches, and a torn tail as a gap to the end', () => {
    const first = encodeBatch({ records: two });
    const second = encodeBatch({ records: [{ key: 'k', value: 'v' }], baseOffset: 2n });
    const whole = Buffer.concat([first, second]);
    expect(kinds(scanSegment(whole, 0n))).toEqual([0n, 2n]);
    for (const cut of [1, 12, 17, 40, second.length - 1]) {
      const torn = whole.subarray(0, whole.length - cut);
      expect(kinds(scanSegment(torn, 0n))).toEqual([0n, [first.length, torn.length]]);
    }
  });

  it('reports a batch that fails its CRC as a gap and reads the batches after it', () => {
    const first = encodeBatch({ records: two });
    const second = encodeBatch({ records: two, baseOffset: 2n });
    const third = encodeBatch({ records: two, baseOffset: 4n });
    second[second.length - 1] ^= 0x01;
    expect(kinds(scanSegment(Buffer.concat([first, second, third]), 0n))).toEqual([0n, [first.length, first.length + second.length], 4n]);
  });

  it('finds the next batch when a flipped bit breaks a batch length, and skips batches that go back in offsets', () => {
    const batches = [0n, 2n, 4n, 6n].map((baseOffset) => encodeBatch({ records: two, baseOffset }));
    const log = Buffer.concat(batches);
    const at = batches[0]!.length;
    log[at + 9] ^= 0x40; // batchLength of the second batch
    expect(kinds(scanSegment(log, 0n))).toEqual([0n, [at, at + batches[1]!.length], 4n, 6n]);
    const back = Buffer.concat([batches[0]!, batches[1]!, batches[0]!, batches[3]!]);
    const gapAt = batches[0]!.length * 2;
    expect(kinds(scanSegment(back, 0n))).toEqual([0n, 2n, [gapAt, gapAt + batches[0]!.length], 6n]);
  });

  it('reads an empty buffer as nothing and garbage as one gap', () => {
    expect(scanSegment(Buffer.alloc(0), 0n)).toEqual([]);
    expect(kinds(scanSegment(Buffer.alloc(100, 0xab), 0n))).toEqual([[0, 100]]);
  });
});
