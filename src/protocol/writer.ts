// Builds a response frame. Small values go into a scratch buffer; large
// buffers (record batches in Fetch) are kept by reference, so a Fetch answer
// is copied once, when the frame is written.
//
// Every write reserves its bytes with room() *before* naming the buffer:
// room() may replace this.scratch, and `this.scratch.writeX(v, this.room(n))`
// evaluates the receiver first, so the value would land in the old chunk
// while the new one went out unwritten. Scratch buffers are zero-filled, so
// even a bug of that kind could never send another connection's bytes.

const SCRATCH_BYTES = 16 * 1024;
const BY_REFERENCE_BYTES = 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private scratch = Buffer.alloc(SCRATCH_BYTES);
  private used = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  private room(bytes: number): number {
    if (this.used + bytes > this.scratch.length) {
      this.flushScratch();
      if (bytes > this.scratch.length) this.scratch = Buffer.alloc(Math.max(bytes, SCRATCH_BYTES));
    }
    const at = this.used;
    this.used += bytes;
    this.total += bytes;
    return at;
  }

  private flushScratch(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.used));
    this.scratch = this.scratch.subarray(this.used);
    if (this.scratch.length < 64) this.scratch = Buffer.alloc(SCRATCH_BYTES);
    this.used = 0;
  }

  int8(value: number): this {
    const at = this.room(1);
    this.scratch.writeInt8(value, at);
    return this;
  }
  int16(value: number): this {
    const at = this.room(2);
    this.scratch.writeInt16BE(value, at);
    return this;
  }
  uint16(value: number): this {
    const at = this.room(2);
    this.scratch.writeUInt16BE(value, at);
    return this;
  }
  int32(value: number): this {
    const at = this.room(4);
    this.scratch.writeInt32BE(value, at);
    return this;
  }
  uint32(value: number): this {
    const at = this.room(4);
    this.scratch.writeUInt32BE(value >>> 0, at);
    return this;
  }
  int64(value: bigint): this {
    const at = this.room(8);
    this.scratch.writeBigInt64BE(value, at);
    return this;
  }
  float64(value: number): this {
    const at = this.room(8);
    this.scratch.writeDoubleBE(value, at);
    return this;
  }
  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  uvarint(value: number): this {
    let v = value >>> 0;
    while (v >= 0x80) {
      const at = this.room(1);
      this.scratch[at] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    const at = this.room(1);
    this.scratch[at] = v;
    return this;
  }

  varint(value: number): this {
    return this.uvarint((value << 1) ^ (value >> 31));
  }

  uuid(hex: string): this {
    const at = this.room(16);
    this.scratch.write(hex.padStart(32, '0'), at, 16, 'hex');
    return this;
  }

  raw(buf: Buffer): this {
    if (buf.length >= BY_REFERENCE_BYTES) {
      this.flushScratch();
      this.chunks.push(buf);
      this.total += buf.length;
    } else if (buf.length > 0) {
      const at = this.room(buf.length);
      buf.copy(this.scratch, at);
    }
    return this;
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    return this.int16(bytes.length).raw(bytes);
  }

  compactString(value: string | null): this {
    if (value === null) return this.uvarint(0);
    const bytes = Buffer.from(value, 'utf8');
    return this.uvarint(bytes.length + 1).raw(bytes);
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).raw(value);
  }

  compactBytes(value: Buffer | null): this {
    if (value === null) return this.uvarint(0);
    return this.uvarint(value.length + 1).raw(value);
  }

  arrayLength(length: number | null, compact: boolean): this {
    if (compact) return this.uvarint(length === null ? 0 : length + 1);
    return this.int32(length === null ? -1 : length);
  }

  /** The frame's pieces, in order (for socket writes without another copy). */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.toChunks(), this.total);
  }
}
