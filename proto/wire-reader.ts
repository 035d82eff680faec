/**
 * Protobuf's wire format, read in place from the received bytes: tags,
 * varints (as two 32-bit halves, so that 64-bit values stay exact),
 * doubles and length-delimited ranges. Nothing is copied and nothing is
 * allocated per field, which is what lets the collector turn a record into
 * its stored JSON without building message objects first.
 */
export class WireError extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const TWO_TO_32 = 4_294_967_296;

export class WireReader {
  /** The halves of the last varint read, unsigned. */
  lo = 0;
  hi = 0;
  /** Doubles are read through a DataView, which the JIT reads inline. */
  private readonly view: DataView;

  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** A tag or a length: a varint of at most 32 bits. */
  uint32(): number {
    this.varint();
    if (this.hi !== 0) throw new WireError(`a length or tag of more than 32 bits at byte ${this.pos}`);
    return this.lo;
  }

  /** Reads a varint into lo and hi. */
  varint(): void {
    const { buf, end } = this;
    let pos = this.pos;
    let lo = 0;
    let hi: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw truncated(pos);
      const byte = buf[pos++]!;
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.settle(pos, lo, 0);
    }
    if (pos >= end) throw truncated(pos);
    let byte = buf[pos++]!;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte < 0x80) return this.settle(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) throw truncated(pos);
      byte = buf[pos++]!;
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.settle(pos, lo, hi);
    }
    throw new WireError(`a varint longer than 10 bytes at byte ${this.pos}`);
  }

  private settle(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The last varint as uint64 (exact up to 2^53). */
  unsigned64(): number {
    return this.hi * TWO_TO_32 + this.lo;
  }

  /** The last varint as int64, two's complement (exact within ±2^53). */
  signed64(): number {
    if ((this.hi & 0x8000_0000) === 0) return this.unsigned64();
    // -(~value + 1), computed on the halves so that small negatives stay exact
    const lo = ~this.lo >>> 0;
    const hi = ~this.hi >>> 0;
    return -(hi * TWO_TO_32 + lo + 1);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw truncated(this.pos);
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** A length-delimited field: returns where it ends; pos is at its first byte. */
  delimited(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw truncated(this.end);
    return end;
  }

  /** Steps over a field of an unknown number, as protobuf readers do. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LENGTH_DELIMITED:
        this.pos = this.delimited();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError(`wire type ${wireType} at byte ${this.pos} is not one proto3 uses`);
    }
  }

  private advance(bytes: number): void {
    if (this.pos + bytes > this.end) throw truncated(this.pos);
    this.pos += bytes;
  }
}

function truncated(pos: number): WireError {
  return new WireError(`the message ends inside a field at byte ${pos}`);
}
