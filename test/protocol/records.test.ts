// Record batch v2: what encodeRecordBatch writes, an independent decoder (test/support/
// record-batch.ts) reads, and decodeRecordBatches reads what either side wrote.
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/protocol/crc32c.js';
import { controlBatch } from '../../src/embedded-kafka/record-batch.js';
import { BATCH_OFFSETS, decodeRecordBatches, encodeRecordBatch, RecordBatchBuilder, UnsupportedCodecError, withoutAbortedBatches } from '../../src/protocol/records.js';
import { decodeBatchValues, encodeBatch } from '../support/record-batch.js';

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

/** Sets a batch's baseOffset and attribute bits as a broker's log would hold them (re-sealing the CRC). */
function asStored(batch: Buffer, baseOffset: number, extraAttributes = 0): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(BigInt(baseOffset), BATCH_OFFSETS.baseOffset);
  copy.writeInt16BE(copy.readInt16BE(BATCH_OFFSETS.attributes) | extraAttributes, BATCH_OFFSETS.attributes);
  copy.writeUInt32BE(crc32c(copy, BATCH_OFFSETS.attributes), BATCH_OFFSETS.crc);
  return copy;
}

describe('encodeRecordBatch', () => {
  it('writes keys, values, headers and timestamps that decode back exactly', () => {
    const batch = encodeRecordBatch([
      { key: Buffer.from('k1'), value: Buffer.from('héllo'), timestamp: 1_700_000_000_000, headers: [{ key: 'source', value: Buffer.from('cli') }, { key: 'empty', value: null }] },
      { key: null, value: Buffer.from(''), timestamp: 1_700_000_000_500 },
      { key: Buffer.from('k3'), value: null, timestamp: 1_699_999_999_000 },
    ]);
    expect(crc32c(batch, BATCH_OFFSETS.attributes)).toBe(batch.readUInt32BE(BATCH_OFFSETS.crc));
    // The first record's timestamp is the base, as Java writes it: the third record's delta is negative.
    expect(batch.readBigInt64BE(BATCH_OFFSETS.baseTimestamp)).toBe(1_700_000_000_000n);
    expect(batch.readBigInt64BE(BATCH_OFFSETS.maxTimestamp)).toBe(1_700_000_000_500n);
    const records = decodeRecordBatches(asStored(batch, 40));
    expect(records.map((r) => [r.offset, text(r.key), text(r.value), r.timestamp])).toEqual([
      [40, 'k1', 'héllo', 1_700_000_000_000],
      [41, null, '', 1_700_000_000_500],
      [42, 'k3', null, 1_699_999_999_000],
    ]);
    expect(records[0]!.headers.map((h) => [h.key, text(h.value)])).toEqual([['source', 'cli'], ['empty', null]]);
    expect(records[1]!.headers).toEqual([]);
    // The test suite's own decoder agrees.
    expect(decodeBatchValues(asStored(batch, 40)).map((r) => [r.offset, r.key, r.value])).toEqual([[40n, 'k1', 'héllo'], [41n, null, ''], [42n, 'k3', '']]);
  });

  it('writes text keys and values as UTF-8, byte for byte as Buffers would be', () => {
    const asText = encodeRecordBatch([{ key: 'clé', value: 'wörld ✓', timestamp: 5 }]);
    const asBytes = encodeRecordBatch([{ key: Buffer.from('clé'), value: Buffer.from('wörld ✓'), timestamp: 5 }]);
    expect(asText.equals(asBytes)).toBe(true);
  });

  it('gzips the records, and the idempotence fields are where a broker reads them', () => {
    const values = Array.from({ length: 500 }, (_, i) => ({ key: null, value: Buffer.from(`{ "message": "Sending Message: ${i}" }`) }));
    const batch = encodeRecordBatch(values, { compression: 'gzip', producerId: 7n, producerEpoch: 2, baseSequence: 1000 });
    expect(batch.readInt16BE(BATCH_OFFSETS.attributes) & 7).toBe(1);
    expect(batch.length).toBeLessThan(values.length * 20);
    expect(batch.readBigInt64BE(BATCH_OFFSETS.producerId)).toBe(7n);
    expect(batch.readInt16BE(BATCH_OFFSETS.producerEpoch)).toBe(2);
    expect(batch.readInt32BE(BATCH_OFFSETS.baseSequence)).toBe(1000);
    expect(batch.readInt32BE(BATCH_OFFSETS.recordCount)).toBe(500);
    expect(decodeRecordBatches(batch).map((r) => text(r.value))).toEqual(values.map((v) => text(v.value)));
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('%s: compresses the records and reads them back (or names the codec this Node lacks)', (codec) => {
    const values = Array.from({ length: 2000 }, (_, i) => ({ key: `k${i % 7}`, value: `{ "message": "Sending Message: ${i}" }`, headers: i % 3 === 0 ? [{ key: 'h', value: Buffer.from(String(i)) }] : undefined }));
    const write = () => encodeRecordBatch(values, { compression: codec, producerId: 7n, producerEpoch: 2, baseSequence: 1000 });
    if (codec === 'zstd' && !('zstdCompressSync' in zlib)) {
      expect(write).toThrow(UnsupportedCodecError);
      expect(write).toThrow(/^zstd compression is not available .*Node 22\.15/);
      return;
    }
    const batch = write();
    expect(batch.readInt16BE(BATCH_OFFSETS.attributes) & 7).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(codec));
    expect(batch.length).toBeLessThan(encodeRecordBatch(values).length / 3);
    expect(decodeRecordBatches(batch).map((r) => [text(r.key), text(r.value), r.headers.map((h) => text(h.value))])).toEqual(values.map((v) => [v.key, v.value, v.headers?.map((h) => text(h.value)) ?? []]));
  });
});

describe('RecordBatchBuilder', () => {
  it('writes records as they come and refuses one that would take the batch past its bound', () => {
    const builder = new RecordBatchBuilder(70); // grows as records come
    let written = 0;
    for (let i = 0; ; i++) {
      const bytes = builder.append({ key: `k${i}`, value: 'v'.repeat(20) }, 1_000 + i, 1000);
      if (bytes === 0) break;
      written++;
      expect(builder.length).toBeLessThanOrEqual(1000);
    }
    expect(written).toBeGreaterThan(20);
    expect(builder.count).toBe(written);
    const batch = builder.finish({ producerId: 3n, producerEpoch: 0, baseSequence: 9 });
    expect(batch.length).toBeLessThanOrEqual(1000);
    expect(batch.readInt32BE(BATCH_OFFSETS.baseSequence)).toBe(9);
    const records = decodeRecordBatches(asStored(batch, 0));
    expect(records.map((r) => [text(r.key), r.timestamp])).toEqual(Array.from({ length: written }, (_, i) => [`k${i}`, 1_000 + i]));
  });

  it('always takes the first record of a batch, however large', () => {
    const builder = new RecordBatchBuilder();
    expect(builder.append({ key: null, value: Buffer.alloc(5000, 1) }, 1, 1000)).toBeGreaterThan(5000);
    expect(builder.append({ key: null, value: 'x' }, 1, 1000)).toBe(0);
    expect(decodeRecordBatches(builder.finish()).map((r) => r.value!.length)).toEqual([5000]);
  });
});

describe('decodeRecordBatches', () => {
  const one = encodeBatch({ baseOffset: 0n, records: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
  const two = encodeBatch({ baseOffset: 2n, compression: 1, records: [{ key: null, value: '3' }, { key: null, value: '4' }] });

  it('reads whole batches, plain and gzip, and ignores a partial one at the end', () => {
    const answer = Buffer.concat([one, two, two.subarray(0, 30)]);
    expect(decodeRecordBatches(answer).map((r) => [r.offset, text(r.value)])).toEqual([[0, '1'], [1, '2'], [2, '3'], [3, '4']]);
  });

  it('starts at the fetch offset inside a batch', () => {
    expect(decodeRecordBatches(Buffer.concat([one, two]), 1).map((r) => r.offset)).toEqual([1, 2, 3]);
  });

  it('skips control batches (transaction markers)', () => {
    const control = asStored(encodeBatch({ baseOffset: 0n, records: [{ key: 'x', value: 'marker' }] }), 2, 0x20);
    const after = asStored(one, 3);
    expect(decodeRecordBatches(Buffer.concat([one, control, after])).map((r) => r.offset)).toEqual([0, 1, 3, 4]);
  });

  it('fails on a corrupted batch instead of returning garbage', () => {
    const bad = Buffer.from(one);
    bad[bad.length - 1] ^= 0xff;
    expect(() => decodeRecordBatches(bad)).toThrow(/CRC/);
  });
});

describe('withoutAbortedBatches (read_committed)', () => {
  const TRANSACTIONAL = 0x10;
  const batch = (values: string[], baseOffset: number, producerId: bigint, transactional: boolean) =>
    asStored(encodeRecordBatch(values.map((value) => ({ key: null, value })), { producerId, producerEpoch: 0, baseSequence: 0 }), baseOffset, transactional ? TRANSACTIONAL : 0);
  const marker = (offset: number, producerId: bigint, commit: boolean) => {
    const bytes = controlBatch(producerId, 0, commit, 0, Date.now());
    bytes.writeBigInt64BE(BigInt(offset), BATCH_OFFSETS.baseOffset);
    return bytes;
  };
  const values = (bytes: Buffer) => decodeRecordBatches(bytes).map((r) => text(r.value));

  it("skips a producer's batches from an aborted transaction's first offset to its ABORT marker, and nothing else", () => {
    const bytes = Buffer.concat([
      batch(['plain-0'], 0, -1n, false),
      batch(['aborted-1', 'aborted-2'], 1, 7n, true),
      batch(['other-3'], 3, 8n, true),
      marker(4, 7n, false),
      marker(5, 8n, true),
      batch(['again-6'], 6, 7n, true),
      marker(7, 7n, true),
    ]);
    expect(values(bytes)).toEqual(['plain-0', 'aborted-1', 'aborted-2', 'other-3', 'again-6']);
    expect(values(withoutAbortedBatches(bytes, [{ producerId: 7n, firstOffset: 1n }]))).toEqual(['plain-0', 'other-3', 'again-6']);
    // Nothing aborted: the bytes themselves.
    expect(withoutAbortedBatches(bytes, [])).toBe(bytes);
    expect(withoutAbortedBatches(bytes, null)).toBe(bytes);
  });
});
