// Record batch v2: what encodeRecordBatch writes, an independent decoder (test/support/
// record-batch.ts) reads, and decodeRecordBatches reads what either side wrote.
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/protocol/crc32c.js';
import { BATCH_OFFSETS, decodeRecordBatches, encodeRecordBatch, UnsupportedCodecError } from '../../src/protocol/records.js';
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
    expect(batch.readBigInt64BE(BATCH_OFFSETS.baseTimestamp)).toBe(1_699_999_999_000n);
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

  it('names a codec this Node cannot write', () => {
    for (const codec of ['snappy', 'lz4'] as const) {
      expect(() => encodeRecordBatch([{ key: null, value: Buffer.from('x') }], { compression: codec })).toThrow(UnsupportedCodecError);
      expect(() => encodeRecordBatch([{ key: null, value: Buffer.from('x') }], { compression: codec })).toThrow(new RegExp(`^${codec} compression`));
    }
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
