/**
 * A growing byte buffer that text is written into as bytes: what the
 * collector sends Redis is put together here once, without a string per
 * piece. Short runs are copied byte by byte in JavaScript, which is cheaper
 * than a call into Buffer's native code for a few bytes.
 */
const NATIVE_COPY_FROM = 64;

export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Text known to be ASCII: names, numbers, JSON punctuation. */
  ascii(text: string): void {
    const length = text.length;
    this.ensure(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** A finite number as JSON writes it: integers digit by digit, without a string in between. */
  number(value: number): void {
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) {
      this.ascii(String(value));
      return;
    }
    this.ensure(17);
    const buf = this.buf;
    if (value < 0) {
      buf[this.pos++] = 0x2d; // -
      value = -value;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let pos = this.pos + digits;
    this.pos = pos;
    do {
      buf[--pos] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    } while (value > 0);
  }

  /** Any text, as UTF-8. */
  utf8(text: string): void {
    this.ensure(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  bytes(source: Uint8Array, start = 0, end = source.length): void {
    const length = end - start;
    this.ensure(length);
    if (length >= NATIVE_COPY_FROM) {
      this.buf.set(source.subarray(start, end), this.pos);
      this.pos += length;
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) buf[pos++] = source[i]!;
    this.pos = pos;
  }

  /** What has been written, without a copy. */
  written(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * A ByteWriter that keeps nothing: the agent checks a record by the
 * collector's reader (record-check.ts) and needs only its verdict, not the
 * JSON the collector would store.
 */
export class DiscardingWriter extends ByteWriter {
  constructor() {
    super(0);
  }

  override ensure(): void {}
  override byte(): void {}
  override ascii(): void {}
  override number(): void {}
  override utf8(): void {}
  override bytes(): void {}
}
