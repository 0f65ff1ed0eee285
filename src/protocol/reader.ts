// Reads Kafka protocol primitives from one request frame. Every read checks
// bounds, so a malformed frame fails with FrameError instead of garbage.

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export class Reader {
  offset = 0;

  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(bytes: number): number {
    const at = this.offset;
    if (bytes < 0 || at + bytes > this.buf.length) {
      throw new FrameError(`frame ends early: needed ${bytes} bytes at ${at} of ${this.buf.length}`);
    }
    this.offset = at + bytes;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buf[this.need(1)]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new FrameError('varint longer than 5 bytes');
  }

  varint(): number {
    const raw = this.uvarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** A zigzag varlong as a Number (record timestamp deltas; exact up to 2^53). */
  varlong(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.buf[this.need(1)]!;
      raw += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
    }
    throw new FrameError('varlong longer than 10 bytes');
  }

  uuid(): string {
    const at = this.need(16);
    return this.buf.toString('hex', at, at + 16);
  }

  raw(length: number): Buffer {
    const at = this.need(length);
    return this.buf.subarray(at, at + length);
  }

  /** int16-length string; -1 is null. */
  string(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.raw(length).toString('utf8');
  }

  /** uvarint(length + 1) string; 0 is null. */
  compactString(): string | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return this.raw(length).toString('utf8');
  }

  bytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.raw(length);
  }

  compactBytes(): Buffer | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return this.raw(length);
  }

  /** An array length; -1 is null. Bounded by the bytes left so a huge count cannot allocate. */
  arrayLength(compact: boolean): number {
    const length = compact ? this.uvarint() - 1 : this.int32();
    if (length > this.remaining) throw new FrameError(`array of ${length} items in ${this.remaining} bytes`);
    return length;
  }
}
