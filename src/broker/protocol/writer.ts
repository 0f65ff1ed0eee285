// Builds a response frame. Small values go into a scratch buffer; large
// buffers (record batches in Fetch) are kept by reference, so a Fetch answer
// is copied once, when the frame is written.

const SCRATCH_BYTES = 16 * 1024;
const BY_REFERENCE_BYTES = 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private used = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  private room(bytes: number): number {
    if (this.used + bytes > this.scratch.length) {
      this.flushScratch();
      if (bytes > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(bytes, SCRATCH_BYTES));
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
    if (this.scratch.length < 64) this.scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
    this.used = 0;
  }

  int8(value: number): this {
    this.scratch.writeInt8(value, this.room(1));
    return this;
  }
  int16(value: number): this {
    this.scratch.writeInt16BE(value, this.room(2));
    return this;
  }
  uint16(value: number): this {
    this.scratch.writeUInt16BE(value, this.room(2));
    return this;
  }
  int32(value: number): this {
    this.scratch.writeInt32BE(value, this.room(4));
    return this;
  }
  uint32(value: number): this {
    this.scratch.writeUInt32BE(value >>> 0, this.room(4));
    return this;
  }
  int64(value: bigint): this {
    this.scratch.writeBigInt64BE(value, this.room(8));
    return this;
  }
  float64(value: number): this {
    this.scratch.writeDoubleBE(value, this.room(8));
    return this;
  }
  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  uvarint(value: number): this {
    let v = value >>> 0;
    while (v >= 0x80) {
      this.scratch[this.room(1)] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.scratch[this.room(1)] = v;
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
      buf.copy(this.scratch, this.room(buf.length));
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
