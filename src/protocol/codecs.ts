// Compression and decompression of the record-batch codecs Node has no module for: snappy
// (raw blocks, and the xerial framing Java's producer writes) and LZ4 (the frame format Kafka
// uses since KIP-57). Both are small, fixed formats: written here from their specifications
// (github.com/google/snappy/format_description.txt, github.com/lz4/lz4/doc/ for the block and
// frame formats, github.com/Cyan4973/xxHash/doc/xxhash_spec.md for the frame header checksum),
// so firehose needs no native module and no package for them. The compressors are greedy
// hash-table matchers like the reference implementations' fast modes.
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

// ---------------------------------------------------------------------------------------
// Compression. Both compressors look for 4-byte matches through one hash table of earlier
// positions (reset for every block, so blocks stay independent), extend each match forwards
// and backwards, and step faster through input that keeps failing to match (incompressible
// data costs little). All loops index Buffers directly: no allocation per byte or per match.

/** Most hash bits either compressor uses: 16 Ki entries, as the reference snappy. */
const MAX_HASH_BITS = 14;
const hashTable = new Int32Array(1 << MAX_HASH_BITS);

/** Bits of hash table for a block of `length` bytes: no bigger than the block needs, so small inputs reset little. */
function hashBits(length: number): number {
  let bits = 8;
  while (bits < MAX_HASH_BITS && 1 << bits < length) bits++;
  return bits;
}

/** Empties the first 2^bits entries of the shared hash table (-1: no earlier position). */
function resetHashTable(bits: number): void {
  hashTable.fill(-1, 0, 1 << bits);
}

/** The 4 bytes at `at`, little-endian, as a signed int32 (only compared and hashed). */
function read32(input: Buffer, at: number): number {
  return input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24);
}

/** Copies input[from, to) to out at `at`; short runs byte by byte (cheaper than a native copy). Returns the end. */
function copyBytes(input: Buffer, from: number, to: number, out: Buffer, at: number): number {
  const count = to - from;
  if (count < 32) {
    for (let i = 0; i < count; i++) out[at + i] = input[from + i]!;
  } else {
    input.copy(out, at, from, to);
  }
  return at + count;
}

// --- snappy -----------------------------------------------------------------------------

/** snappy-java's SnappyOutputStream compresses its input in blocks of this many bytes. */
const XERIAL_BLOCK_SIZE = 32 * 1024;
/** The multiplier of the reference snappy's hash. */
const SNAPPY_HASH_MULTIPLIER = 0x1e35a7bd;

/** A snappy-compressed batch body as Kafka's Java producer writes it: xerial-framed raw blocks of at most 32 KiB of input each. */
export function snappyCompress(input: Buffer): Buffer {
  const blocks = Math.ceil(input.length / XERIAL_BLOCK_SIZE);
  // Per block: its int32 length, and at most 32 + n + n/6 bytes (the reference's bound).
  const out = Buffer.allocUnsafe(16 + blocks * 37 + input.length + Math.ceil(input.length / 6));
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8); // version
  out.writeInt32BE(1, 12); // compatible version
  let at = 16;
  for (let start = 0; start < input.length; start += XERIAL_BLOCK_SIZE) {
    const lengthAt = at;
    at = snappyCompressBlock(input, start, Math.min(start + XERIAL_BLOCK_SIZE, input.length), out, at + 4);
    out.writeInt32BE(at - lengthAt - 4, lengthAt);
  }
  return out.subarray(0, at);
}

/** Writes input[start, end) as one raw snappy block at `at` in out: varint length, then literals and copies. Returns the end. */
function snappyCompressBlock(input: Buffer, start: number, end: number, out: Buffer, at: number): number {
  at = writeVarint(out, at, end - start);
  let anchor = start; // the first byte not yet written
  const lastRead = end - 4; // the last position with 4 bytes to hash
  if (lastRead > start) {
    const bits = hashBits(end - start);
    const shift = 32 - bits;
    resetHashTable(bits);
    let position = start;
    let skip = 32; // the reference's heuristic: after 32 misses in a row, step 2, and faster from there
    while (position <= lastRead) {
      const bytes = read32(input, position);
      const hash = Math.imul(bytes, SNAPPY_HASH_MULTIPLIER) >>> shift;
      let candidate = hashTable[hash]!;
      hashTable[hash] = position;
      if (candidate < 0 || read32(input, candidate) !== bytes) {
        const step = skip >>> 5;
        skip += step;
        position += step;
        continue;
      }
      // A match (blocks are 32 KiB, so the offset fits copy-2). Extend it back over unwritten bytes, then forwards.
      const offset = position - candidate;
      while (position > anchor && candidate > start && input[position - 1] === input[candidate - 1]) {
        position--;
        candidate--;
      }
      let matchEnd = position + 4;
      while (matchEnd < end && input[matchEnd] === input[matchEnd - offset]) matchEnd++;
      at = snappyLiteral(input, anchor, position, out, at);
      at = snappyCopy(out, at, offset, matchEnd - position);
      anchor = position = matchEnd;
      skip = 32;
      // Remember the position just before, so the next record's start can match too.
      if (position - 1 <= lastRead) hashTable[Math.imul(read32(input, position - 1), SNAPPY_HASH_MULTIPLIER) >>> shift] = position - 1;
    }
  }
  return snappyLiteral(input, anchor, end, out, at);
}

/** A little-endian base-128 varint (the block's uncompressed length). */
function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/** A literal element: tag with length - 1 (in the tag below 60, else in 1 to 4 following bytes), then the bytes. */
function snappyLiteral(input: Buffer, from: number, to: number, out: Buffer, at: number): number {
  const count = to - from;
  if (count === 0) return at;
  const n = count - 1;
  if (n < 60) {
    out[at++] = n << 2;
  } else {
    const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
    out[at++] = (59 + bytes) << 2;
    out.writeUIntLE(n, at, bytes);
    at += bytes;
  }
  return copyBytes(input, from, to, out, at);
}

/** Copy elements for a match of `length` bytes, `offset` back: at most 64 bytes each, as the reference snappy splits them. */
function snappyCopy(out: Buffer, at: number, offset: number, length: number): number {
  while (length >= 68) {
    at = snappyCopyAtMost64(out, at, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    // Leave at least 4 for the last copy.
    at = snappyCopyAtMost64(out, at, offset, 60);
    length -= 60;
  }
  return snappyCopyAtMost64(out, at, offset, length);
}

/** One copy element of 4 to 64 bytes: copy-1 (2 bytes) for 4 to 11 bytes under 2048 back, else copy-2 (3 bytes). */
function snappyCopyAtMost64(out: Buffer, at: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[at] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[at + 1] = offset & 0xff;
    return at + 2;
  }
  out[at] = 2 | ((length - 1) << 2);
  out[at + 1] = offset & 0xff;
  out[at + 2] = offset >>> 8;
  return at + 3;
}

// --- LZ4 --------------------------------------------------------------------------------

/** Kafka's KafkaLZ4BlockOutputStream default: 64 KiB blocks (BD 0x40). */
const LZ4_BLOCK_SIZE = 64 * 1024;
/** FLG: version 01, blocks independent; no block checksum, no content size, no content checksum, no dictionary. */
const LZ4_FLG = 0x60;
/** BD: block maximum size 64 KiB. */
const LZ4_BD = 0x40;
/** The block's last 5 bytes are always literals (LASTLITERALS). */
const LZ4_LAST_LITERALS = 5;
/** The last match starts at least 12 bytes before the block's end (MFLIMIT); a shorter block is all literals. */
const LZ4_MATCH_START_LIMIT = 12;
const LZ4_MIN_MATCH = 4;
const LZ4_MAX_OFFSET = 65535;
/** After 2^6 misses in a row, step 2 bytes, then 3... (the reference's LZ4_skipTrigger). */
const LZ4_SKIP_TRIGGER = 6;
const LZ4_HASH_MULTIPLIER = 2654435761 | 0;

/** An LZ4 frame as Kafka's Java producer writes it: header (with its xxHash32 check byte), independent blocks of at most 64 KiB (stored when they don't shrink), end mark. */
export function lz4Compress(input: Buffer): Buffer {
  const blocks = Math.ceil(input.length / LZ4_BLOCK_SIZE);
  // Header, end mark, and per block its size word and at most n + n/255 + 16 bytes (the reference's bound).
  const out = Buffer.allocUnsafe(7 + 4 + blocks * 20 + input.length + Math.ceil(input.length / 255));
  out.writeUInt32LE(LZ4_MAGIC, 0);
  out[4] = LZ4_FLG;
  out[5] = LZ4_BD;
  out[6] = (xxHash32(out.subarray(4, 6)) >>> 8) & 0xff;
  let at = 7;
  for (let start = 0; start < input.length; start += LZ4_BLOCK_SIZE) {
    const end = Math.min(start + LZ4_BLOCK_SIZE, input.length);
    const sizeAt = at;
    const compressedEnd = lz4CompressBlock(input, start, end, out, at + 4);
    if (compressedEnd - sizeAt - 4 < end - start) {
      out.writeUInt32LE(compressedEnd - sizeAt - 4, sizeAt);
      at = compressedEnd;
    } else {
      // Didn't shrink: store the bytes as they are, flagged by the size word's high bit.
      out.writeUInt32LE(((end - start) | 0x80000000) >>> 0, sizeAt);
      at = sizeAt + 4 + input.copy(out, sizeAt + 4, start, end);
    }
  }
  out.writeUInt32LE(0, at); // end mark
  return out.subarray(0, at + 4);
}

/** Writes input[start, end) as one LZ4 block at `at` in out: sequences of literals and a match, the last literals only. Returns the end. */
function lz4CompressBlock(input: Buffer, start: number, end: number, out: Buffer, at: number): number {
  let anchor = start; // the first byte not yet written
  const lastMatchStart = end - LZ4_MATCH_START_LIMIT;
  const matchEndLimit = end - LZ4_LAST_LITERALS;
  if (lastMatchStart > start) {
    const bits = hashBits(end - start);
    const shift = 32 - bits;
    resetHashTable(bits);
    let position = start;
    let attempts = 1 << LZ4_SKIP_TRIGGER;
    while (position <= lastMatchStart) {
      const bytes = read32(input, position);
      const hash = Math.imul(bytes, LZ4_HASH_MULTIPLIER) >>> shift;
      let candidate = hashTable[hash]!;
      hashTable[hash] = position;
      if (candidate < 0 || position - candidate > LZ4_MAX_OFFSET || read32(input, candidate) !== bytes) {
        position += attempts++ >>> LZ4_SKIP_TRIGGER;
        continue;
      }
      // A match: extend it back over unwritten bytes, then forwards up to the last literals.
      const offset = position - candidate;
      while (position > anchor && candidate > start && input[position - 1] === input[candidate - 1]) {
        position--;
        candidate--;
      }
      let matchEnd = position + LZ4_MIN_MATCH;
      while (matchEnd < matchEndLimit && input[matchEnd] === input[matchEnd - offset]) matchEnd++;
      at = lz4Sequence(input, anchor, position, offset, matchEnd - position, out, at);
      anchor = position = matchEnd;
      attempts = 1 << LZ4_SKIP_TRIGGER;
      // Remember the position just before, so the next record's start can match too.
      hashTable[Math.imul(read32(input, position - 2), LZ4_HASH_MULTIPLIER) >>> shift] = position - 2;
    }
  }
  // The last sequence: literals only.
  const literals = end - anchor;
  out[at++] = Math.min(literals, 15) << 4;
  if (literals >= 15) at = lz4LengthExtension(out, at, literals - 15);
  return copyBytes(input, anchor, end, out, at);
}

/** One sequence: token, literal length extension, literals input[from, to), 2-byte LE offset, match length extension. */
function lz4Sequence(input: Buffer, from: number, to: number, offset: number, matchLength: number, out: Buffer, at: number): number {
  const literals = to - from;
  const matchCode = matchLength - LZ4_MIN_MATCH;
  out[at++] = (Math.min(literals, 15) << 4) | Math.min(matchCode, 15);
  if (literals >= 15) at = lz4LengthExtension(out, at, literals - 15);
  at = copyBytes(input, from, to, out, at);
  out[at++] = offset & 0xff;
  out[at++] = offset >>> 8;
  if (matchCode >= 15) at = lz4LengthExtension(out, at, matchCode - 15);
  return at;
}

/** What a length field of 15 leaves over: bytes of 255, then the remainder (below 255). */
function lz4LengthExtension(out: Buffer, at: number, rest: number): number {
  while (rest >= 255) {
    out[at++] = 255;
    rest -= 255;
  }
  out[at++] = rest;
  return at;
}

// --- xxHash32 ---------------------------------------------------------------------------

const XXH_PRIME1 = 0x9e3779b1 | 0;
const XXH_PRIME2 = 0x85ebca77 | 0;
const XXH_PRIME3 = 0xc2b2ae3d | 0;
const XXH_PRIME4 = 0x27d4eb2f;
const XXH_PRIME5 = 0x165667b1;

function rotl32(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** One lane step over 4 input bytes: acc + lane * PRIME2, rotated 13, times PRIME1. */
function xxhRound(acc: number, lane: number): number {
  return Math.imul(rotl32((acc + Math.imul(lane, XXH_PRIME2)) | 0, 13), XXH_PRIME1);
}

/** xxHash32 (the LZ4 frame's checksum; the header check byte is bits 8..15 of it over the descriptor), as an unsigned 32-bit number. */
export function xxHash32(input: Uint8Array, seed = 0): number {
  const length = input.length;
  const word = (at: number) => input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24);
  let at = 0;
  let hash: number;
  if (length >= 16) {
    let v1 = (seed + XXH_PRIME1 + XXH_PRIME2) | 0;
    let v2 = (seed + XXH_PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - XXH_PRIME1) | 0;
    for (const limit = length - 16; at <= limit; at += 16) {
      v1 = xxhRound(v1, word(at));
      v2 = xxhRound(v2, word(at + 4));
      v3 = xxhRound(v3, word(at + 8));
      v4 = xxhRound(v4, word(at + 12));
    }
    hash = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    hash = (seed + XXH_PRIME5) | 0;
  }
  hash = (hash + length) | 0;
  for (; at + 4 <= length; at += 4) hash = Math.imul(rotl32((hash + Math.imul(word(at), XXH_PRIME3)) | 0, 17), XXH_PRIME4);
  for (; at < length; at++) hash = Math.imul(rotl32((hash + Math.imul(input[at]!, XXH_PRIME5)) | 0, 11), XXH_PRIME1);
  hash = Math.imul(hash ^ (hash >>> 15), XXH_PRIME2);
  hash = Math.imul(hash ^ (hash >>> 13), XXH_PRIME3);
  return (hash ^ (hash >>> 16)) >>> 0;
}
