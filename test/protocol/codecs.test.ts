// The snappy and LZ4 decoders (src/protocol/codecs.ts) on hand-made inputs: literals,
// overlapping back-references, xerial framing, stored and linked LZ4 blocks; and input
// cut anywhere is a FrameError, never a crash or a hang. kcat-written batches of both
// codecs are read in test/kafka/wire/client.test.ts. The compressors round-trip through
// those decoders (empty, tiny, random, repetitive, multi-block and fuzzed inputs) and
// write the framing Kafka's Java clients expect; xxHash32 against known answers.
import { describe, expect, it } from 'vitest';
import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress, xxHash32 } from '../../src/protocol/codecs.js';
import { FrameError } from '../../src/protocol/reader.js';
import { seededRandom } from '../support/random.js';

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

// Inputs for the compressors: random bytes (incompressible), and newline-separated JSON
// records that differ only in a number, like the spammer's.
const randomBytes = (length: number, random: () => number) => {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
};
const jsonRecords = (length: number, first = 0) => {
  const records: string[] = [];
  let size = 0;
  for (let n = first; size < length; n++) {
    const record = `{ "message": "Sending Message: ${n}" }\n`;
    records.push(record);
    size += record.length;
  }
  return Buffer.from(records.join('')).subarray(0, length);
};
const MiB = 1024 * 1024;

const codecs = [
  { name: 'snappy', compress: snappyCompress, decompress: snappyDecompress },
  { name: 'lz4', compress: lz4Compress, decompress: lz4Decompress },
] as const;

describe.each(codecs)('$name compression', ({ compress, decompress }) => {
  const roundTrip = (input: Buffer, label?: string) => {
    const compressed = compress(input);
    expect(decompress(compressed).equals(input), label).toBe(true);
    return compressed;
  };

  it('round-trips empty input, one byte, and short text', () => {
    roundTrip(Buffer.alloc(0));
    roundTrip(Buffer.from('x'));
    roundTrip(Buffer.from('hello'));
    roundTrip(Buffer.from('abcabcabcabcabcabcabcabc, and a tail of literals'));
    roundTrip(Buffer.from('a'.repeat(1000)));
  });

  it('round-trips 1 MiB of random bytes, barely growing', () => {
    const input = randomBytes(MiB, seededRandom(1));
    const compressed = roundTrip(input);
    expect(compressed.length).toBeLessThan(input.length * 1.01);
  });

  it('shrinks 1 MiB of repetitive JSON records below 40%', () => {
    const input = jsonRecords(MiB);
    const compressed = roundTrip(input);
    expect(compressed.length).toBeLessThan(input.length * 0.4);
  });

  it('round-trips inputs spanning several 32 KiB and 64 KiB blocks, at and around the block edges', () => {
    const random = seededRandom(2);
    for (const length of [32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 64 * 1024, 64 * 1024 + 1, 3 * 64 * 1024 + 12345]) {
      roundTrip(jsonRecords(length), `json ${length}`);
      roundTrip(randomBytes(length, random), `random ${length}`);
      // Half text, half random: compressed and stored blocks in one frame.
      roundTrip(Buffer.concat([jsonRecords(length >>> 1), randomBytes(length - (length >>> 1), random)]), `mixed ${length}`);
    }
  });

  it('round-trips a seeded fuzz of mixed text, runs and random bytes', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed);
      const pieces: Buffer[] = [];
      const count = 1 + Math.floor(random() * 8);
      for (let i = 0; i < count; i++) {
        const length = Math.floor(random() * (random() < 0.2 ? 70000 : 300));
        const kind = random();
        if (kind < 0.4) pieces.push(jsonRecords(length, Math.floor(random() * 1e6)));
        else if (kind < 0.6) pieces.push(Buffer.alloc(length, Math.floor(random() * 256)));
        // A small alphabet: many short matches at varied offsets.
        else if (kind < 0.8) pieces.push(Buffer.from(Array.from({ length }, () => 97 + Math.floor(random() * 3))));
        else pieces.push(randomBytes(length, random));
      }
      roundTrip(Buffer.concat(pieces), `seed ${seed}`);
    }
  });
});

describe('compressed framing', () => {
  it('snappy: the xerial header, then [int32 length][raw block] per 32 KiB of input', () => {
    const input = jsonRecords(3 * 32 * 1024 + 100);
    const compressed = snappyCompress(input);
    expect(compressed.subarray(0, 16)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]));
    const uncompressedLengths: number[] = [];
    for (let at = 16; at < compressed.length;) {
      const length = compressed.readInt32BE(at);
      const block = compressed.subarray(at + 4, at + 4 + length);
      uncompressedLengths.push(snappyDecompress(block).length); // a raw block on its own
      at += 4 + length;
    }
    expect(uncompressedLengths).toEqual([32768, 32768, 32768, 100]);
    expect(snappyCompress(Buffer.alloc(0)).length).toBe(16);
  });

  it('lz4: the frame header with its checksum byte, blocks of at most 64 KiB (stored when incompressible), the end mark', () => {
    expect(lz4Compress(Buffer.alloc(0))).toEqual(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]));
    expect((xxHash32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff).toBe(0x82);
    const input = Buffer.concat([jsonRecords(64 * 1024), randomBytes(64 * 1024, seededRandom(3)), jsonRecords(10)]);
    const compressed = lz4Compress(input);
    const blocks: Array<{ size: number; stored: boolean }> = [];
    let at = 7;
    for (;;) {
      const word = compressed.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      blocks.push({ size, stored: word >= 0x80000000 });
      at += size;
    }
    expect(at).toBe(compressed.length);
    expect(blocks.map((b) => b.stored)).toEqual([false, true, true]); // 10 bytes are too short to shrink
    expect(blocks[0]!.size).toBeLessThan(64 * 1024 * 0.4);
    expect(blocks[1]!.size).toBe(64 * 1024);
  });

  it('lz4: a block ends in at least 5 literals, its last match starting at least 12 bytes before the end', () => {
    // All one byte: the greedy matcher would otherwise run the match to the very end.
    const block = (input: Buffer) => {
      const compressed = lz4Compress(input);
      expect(compressed.readUInt32LE(7) & 0x80000000).toBe(0);
      return compressed.subarray(11, 11 + compressed.readUInt32LE(7));
    };
    for (const length of [13, 20, 100, 1000, 65536]) {
      const compressed = block(Buffer.alloc(length, 0x61));
      // Walk the sequences; remember where the last match started and ended in the output.
      let at = 0;
      let written = 0;
      let lastMatchStart = -1;
      let lastMatchEnd = -1;
      const extension = (base: number) => {
        let value = base;
        if (base === 15) for (let byte = 255; byte === 255; value += byte) byte = compressed[at++]!;
        return value;
      };
      for (;;) {
        const token = compressed[at++]!;
        const literals = extension(token >>> 4);
        at += literals;
        written += literals;
        if (at >= compressed.length) break;
        at += 2;
        const match = extension(token & 15) + 4;
        lastMatchStart = written;
        lastMatchEnd = written + match;
        written += match;
      }
      expect(written, `length ${length}`).toBe(length);
      expect(lastMatchStart, `length ${length}`).toBeLessThanOrEqual(length - 12);
      expect(lastMatchEnd, `length ${length}`).toBeLessThanOrEqual(length - 5);
    }
  });
});

describe('xxHash32', () => {
  it('matches the reference on known inputs (seed 0), short and over 16 bytes', () => {
    expect(xxHash32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxHash32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxHash32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxHash32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});
