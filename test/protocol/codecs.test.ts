// The snappy and LZ4 decoders (src/protocol/codecs.ts) on hand-made inputs: literals,
// overlapping back-references, xerial framing, stored and linked LZ4 blocks; and input
// cut anywhere is a FrameError, never a crash or a hang. kcat-written batches of both
// codecs are read in test/kafka/wire/client.test.ts.
import { describe, expect, it } from 'vitest';
import { lz4Decompress, snappyDecompress } from '../../src/protocol/codecs.js';
import { FrameError } from '../../src/protocol/reader.js';

// "abcabcabcX": length 10, literal "abc", copy 6 bytes from 3 back (overlapping), literal "X".
const SNAPPY_RAW = Buffer.from([10, 0x08, 0x61, 0x62, 0x63, 0x09, 3, 0x00, 0x58]);
const xerial = (...blocks: Buffer[]) => Buffer.concat([
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]),
  ...blocks.flatMap((b) => [Buffer.from([0, 0, 0, b.length]), b]),
]);

// LZ4 frame: magic, FLG (version 1, independent blocks), BD, header checksum byte, blocks, end mark.
const lz4Frame = (...blocks: Array<{ data: Buffer; stored?: boolean }>) => Buffer.concat([
  Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
  ...blocks.flatMap(({ data, stored }) => {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((data.length | (stored ? 0x80000000 : 0)) >>> 0);
    return [size, data];
  }),
  Buffer.alloc(4),
]);
// "abcabcabcX": token (3 literals, match 6 = 4 + 2), "abc", offset 3; then a last sequence of one literal.
const LZ4_BLOCK = Buffer.from([0x32, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x58]);

describe('snappy', () => {
  it('decodes a raw block with an overlapping copy, and the same block xerial-framed (twice)', () => {
    expect(snappyDecompress(SNAPPY_RAW).toString()).toBe('abcabcabcX');
    expect(snappyDecompress(xerial(SNAPPY_RAW, SNAPPY_RAW)).toString()).toBe('abcabcabcXabcabcabcX');
  });

  it('a long literal (length in an extra byte)', () => {
    const text = Buffer.from('x'.repeat(100));
    expect(snappyDecompress(Buffer.concat([Buffer.from([100, 60 << 2, 99]), text]))).toEqual(text);
  });

  it('input cut at any byte, or a copy reaching before the start, is a FrameError', () => {
    for (let cut = 0; cut < SNAPPY_RAW.length; cut++) expect(() => snappyDecompress(SNAPPY_RAW.subarray(0, cut)), `cut at ${cut}`).toThrow(FrameError);
    expect(() => snappyDecompress(Buffer.from([4, 0x09, 3]))).toThrow(FrameError);
  });
});

describe('lz4 frames', () => {
  it('decodes a compressed block with an overlapping match, a stored block, and a block that refers back into the one before', () => {
    expect(lz4Decompress(lz4Frame({ data: LZ4_BLOCK })).toString()).toBe('abcabcabcX');
    expect(lz4Decompress(lz4Frame({ data: LZ4_BLOCK }, { data: Buffer.from('stored'), stored: true })).toString()).toBe('abcabcabcXstored');
    // Second block: no literals, a match of 4 bytes from 10 back: "abca" from the first block.
    const linked = Buffer.from([0x00, 10, 0x00]);
    expect(lz4Decompress(lz4Frame({ data: LZ4_BLOCK }, { data: linked })).toString()).toBe('abcabcabcXabca');
  });

  it('input cut at any byte, a bad magic, or a match before the start is a FrameError', () => {
    const frame = lz4Frame({ data: LZ4_BLOCK });
    for (let cut = 0; cut < frame.length; cut++) expect(() => lz4Decompress(frame.subarray(0, cut)), `cut at ${cut}`).toThrow(FrameError);
    expect(() => lz4Decompress(Buffer.from('not an lz4 frame at all'))).toThrow(FrameError);
    expect(() => lz4Decompress(lz4Frame({ data: Buffer.from([0x00, 5, 0x00]) }))).toThrow(FrameError);
  });
});
