// Decompression of the record-batch codecs Node has no module for: snappy (raw blocks, and
// the xerial framing Java's producer writes) and LZ4 (the frame format Kafka uses since
// KIP-57). Both are small, fixed formats: written here from their specifications
// (github.com/google/snappy/format_description.txt, github.com/lz4/lz4/doc/), so firehose
// needs no native module and no package for them.
import { FrameError } from './reader.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** A snappy-compressed batch body: xerial-framed (Java) or one raw block (librdkafka). */
export function snappyDecompress(input: Buffer): Buffer {
  if (input.length >= 16 && input.subarray(0, 8).equals(XERIAL_MAGIC)) {
    // magic, int32 version, int32 compatible version, then [int32 length][raw block]...
    const parts: Buffer[] = [];
    for (let at = 16; at < input.length;) {
      if (at + 4 > input.length) throw new FrameError('snappy: a xerial block length is cut off');
      const length = input.readInt32BE(at);
      at += 4;
      if (length < 0 || at + length > input.length) throw new FrameError('snappy: a xerial block is cut off');
      parts.push(snappyBlock(input.subarray(at, at + length)));
      at += length;
    }
    return Buffer.concat(parts);
  }
  return snappyBlock(input);
}

/** One raw snappy block: a varint length, then literals and back-references. */
function snappyBlock(input: Buffer): Buffer {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= input.length || shift > 28) throw new FrameError('snappy: bad length header');
    const byte = input[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const out = Buffer.allocUnsafe(length);
  let written = 0;
  const copy = (offset: number, count: number) => {
    if (offset <= 0 || offset > written || written + count > length) throw new FrameError('snappy: a back-reference points outside the data');
    // Byte by byte: a copy may overlap what it writes (a run).
    for (let i = 0; i < count; i++) out[written + i] = out[written - offset + i]!;
    written += count;
  };
  while (at < input.length) {
    const tag = input[at++]!;
    switch (tag & 3) {
      case 0: {
        let count = tag >>> 2;
        if (count >= 60) {
          const bytes = count - 59;
          if (at + bytes > input.length) throw new FrameError('snappy: a literal length is cut off');
          count = input.readUIntLE(at, bytes);
          at += bytes;
        }
        count += 1;
        if (at + count > input.length || written + count > length) throw new FrameError('snappy: a literal is cut off');
        input.copy(out, written, at, at + count);
        at += count;
        written += count;
        break;
      }
      case 1: {
        if (at >= input.length) throw new FrameError('snappy: a copy is cut off');
        copy(((tag >>> 5) << 8) | input[at++]!, ((tag >>> 2) & 7) + 4);
        break;
      }
      case 2: {
        if (at + 2 > input.length) throw new FrameError('snappy: a copy is cut off');
        copy(input.readUInt16LE(at), (tag >>> 2) + 1);
        at += 2;
        break;
      }
      default: {
        if (at + 4 > input.length) throw new FrameError('snappy: a copy is cut off');
        copy(input.readUInt32LE(at), (tag >>> 2) + 1);
        at += 4;
      }
    }
  }
  if (written !== length) throw new FrameError(`snappy: ${written} bytes decoded, the header said ${length}`);
  return out;
}

const LZ4_MAGIC = 0x184d2204;

/** An LZ4 frame (Kafka's lz4 codec): header, blocks (compressed or stored), end mark. Checksums are not verified (the batch has its CRC). */
export function lz4Decompress(input: Buffer): Buffer {
  if (input.length < 7 || input.readUInt32LE(0) !== LZ4_MAGIC) throw new FrameError('lz4: not an LZ4 frame');
  const flags = input[4]!;
  if (flags >>> 6 !== 1) throw new FrameError(`lz4: frame version ${flags >>> 6} is not 1`);
  const blockChecksum = (flags & 0x10) !== 0;
  const contentSize = (flags & 0x08) !== 0;
  const dictionary = (flags & 0x01) !== 0;
  let at = 6 + (contentSize ? 8 : 0) + (dictionary ? 4 : 0) + 1;
  const parts: Buffer[] = [];
  // Blocks may refer back into earlier ones (linked blocks): decode into one growing window.
  let window = Buffer.alloc(0);
  for (;;) {
    if (at + 4 > input.length) throw new FrameError('lz4: a block size is cut off');
    const word = input.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (at + size > input.length) throw new FrameError('lz4: a block is cut off');
    const block = input.subarray(at, at + size);
    at += size + (blockChecksum ? 4 : 0);
    const decoded = word & 0x80000000 ? Buffer.from(block) : lz4Block(block, window);
    parts.push(decoded);
    // 64 KiB is as far back as LZ4 refers.
    window = Buffer.concat([window, decoded]).subarray(-65536);
  }
  return Buffer.concat(parts);
}

/** One LZ4 block: sequences of literals and a match; `prefix` is what earlier blocks decoded. */
function lz4Block(input: Buffer, prefix: Buffer): Buffer {
  let out = Buffer.allocUnsafe(Math.max(64, input.length * 4));
  let written = 0;
  const room = (more: number) => {
    if (written + more <= out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, written + more));
    out.copy(bigger, 0, 0, written);
    out = bigger;
  };
  const readLength = (base: number): number => {
    let length = base;
    if (base !== 15) return length;
    for (;;) {
      if (at >= input.length) throw new FrameError('lz4: a length is cut off');
      const byte = input[at++]!;
      length += byte;
      if (byte !== 255) return length;
    }
  };
  let at = 0;
  while (at < input.length) {
    const token = input[at++]!;
    const literals = readLength(token >>> 4);
    if (at + literals > input.length) throw new FrameError('lz4: literals are cut off');
    room(literals);
    input.copy(out, written, at, at + literals);
    at += literals;
    written += literals;
    if (at >= input.length) break; // the last sequence has literals only
    if (at + 2 > input.length) throw new FrameError('lz4: a match offset is cut off');
    const offset = input.readUInt16LE(at);
    at += 2;
    const count = readLength(token & 15) + 4;
    if (offset === 0 || offset > written + prefix.length) throw new FrameError('lz4: a match points outside the data');
    room(count);
    for (let i = 0; i < count; i++) {
      const from = written - offset;
      out[written] = from >= 0 ? out[from]! : prefix[prefix.length + from]!;
      written++;
    }
  }
  return out.subarray(0, written);
}
