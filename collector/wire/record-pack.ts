import type { Record } from '../../proto/records.js';
import { ByteWriter } from '../../proto/byte-writer.js';

/**
 * The records of one append as the Lua script reads them: one MessagePack
 * array of strings, three per record (seq, kind, the message as JSON), that
 * Redis's built-in cmsgpack unpacks. One argument instead of three per
 * record spares the Redis client a length and a copy per argument.
 *
 * A record's JSON is written straight into the pack (begin, write to
 * `out`, end); packRecords does it for records held as objects.
 */
const ARRAY32 = 0xdd;
const STR32 = 0xdb;
const FIXSTR = 0xa0;
const HEADER_BYTES = 5;

export class RecordPack {
  readonly out: ByteWriter;
  private count = 0;
  private jsonStart = 0;
  private recordStart = HEADER_BYTES;
  private highestSeq = 0;
  private pendingSeq = 0;

  constructor(expectedBytes = 16 * 1024) {
    this.out = new ByteWriter(expectedBytes + HEADER_BYTES);
    this.out.pos = HEADER_BYTES; // the array header, written by finish()
  }

  get records(): number {
    return this.count;
  }

  /** The highest seq a record was stored under. */
  get lastSeq(): number {
    return this.highestSeq;
  }

  /**
   * Starts a record; its JSON is what is written to `out` until end(). A
   * record numbered 0 (from an agent that numbers batches only) is stored
   * under its batch's seq.
   */
  begin(recordSeq: number, batchSeq: number, kind: string): void {
    this.recordStart = this.out.pos;
    this.pendingSeq = recordSeq > 0 ? recordSeq : batchSeq;
    this.fixstr(String(this.pendingSeq));
    this.fixstr(kind);
    this.out.byte(STR32);
    this.out.pos += 4; // the JSON's length, written by end()
    this.out.ensure(0);
    this.jsonStart = this.out.pos;
  }

  /** Where the JSON of the record begun last lies in `out.buf`, so far. */
  current(): { start: number; end: number } {
    return { start: this.jsonStart, end: this.out.pos };
  }

  /** Ends the record begun last; returns where its JSON lies in `out.buf`. */
  end(): { start: number; end: number } {
    const { out, jsonStart } = this;
    out.ensure(0);
    out.buf.writeUInt32BE(out.pos - jsonStart, jsonStart - 4);
    this.count++;
    this.recordStart = out.pos;
    this.highestSeq = Math.max(this.highestSeq, this.pendingSeq);
    return { start: jsonStart, end: out.pos };
  }

  /** Drops the record begun last, as if it had never been begun (a record refused half-way). */
  abandon(): void {
    this.out.pos = this.recordStart;
  }

  add(recordSeq: number, batchSeq: number, kind: string, json: string): void {
    this.begin(recordSeq, batchSeq, kind);
    this.out.utf8(json);
    this.end();
  }

  /** The whole pack, header included, ready to send. */
  finish(): Buffer {
    const buf = this.out.buf;
    buf[0] = ARRAY32;
    buf.writeUInt32BE(this.count * 3, 1);
    return this.out.written();
  }

  /** Seqs and kinds are short ASCII: MessagePack's fixstr, up to 31 bytes. */
  private fixstr(text: string): void {
    if (text.length > 31) throw new Error(`"${text}" is too long for a record header`);
    this.out.byte(FIXSTR | text.length);
    this.out.ascii(text);
  }
}

/** Records held as objects (the loader's shape), packed as the collector stores them. */
export function packRecords(records: readonly Record[], batchSeq: number): RecordPack {
  const pack = new RecordPack();
  for (const record of records) pack.add(record.seq, batchSeq, record.kind!, JSON.stringify(record[record.kind!]));
  return pack;
}
