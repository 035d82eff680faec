import type { Record } from '../../proto/records.js';
import { ByteWriter } from '../../proto/byte-writer.js';
import { streamFields } from './stream-fields.js';

/**
 * The records of one append as the Lua script reads them: one MessagePack
 * array with an array of strings per record, that Redis's built-in cmsgpack
 * unpacks: "seq", the seq, "kind", the kind, then the entry's other field
 * names and values (for
 * most kinds "data" and the message as JSON; power samples and counter
 * intervals one field per value, stream-fields.ts). One argument instead of
 * many spares the Redis client a length and a copy per argument.
 *
 * A record's JSON is written straight into the pack (begin, write to
 * `out`, end), or replaced by its fields (endAsFields); packRecords does it
 * for records held as objects.
 */
const ARRAY32 = 0xdd;
const ARRAY16 = 0xdc;
const STR8 = 0xd9;
const STR16 = 0xda;
const STR32 = 0xdb;
const FIXSTR = 0xa0;
const HEADER_BYTES = 5;

export class RecordPack {
  readonly out: ByteWriter;
  private count = 0;
  private jsonStart = 0;
  private recordStart = HEADER_BYTES;
  /** Where the record begun last has its fields: after its array header, seq and kind. */
  private fieldsStart = HEADER_BYTES;
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
    this.out.byte(ARRAY16);
    this.out.pos += 2; // how many strings, written by end()
    // The entry's first two fields, names included: the script passes the array to XADD as it is.
    this.fixstr('seq');
    this.fixstr(String(this.pendingSeq));
    this.fixstr('kind');
    this.fixstr(kind);
    this.fieldsStart = this.out.pos;
    this.fixstr('data');
    this.out.byte(STR32);
    this.out.pos += 4; // the JSON's length, written by end()
    this.out.ensure(0);
    this.jsonStart = this.out.pos;
  }

  /** Where the JSON of the record begun last lies in `out.buf`, so far. */
  current(): { start: number; end: number } {
    return { start: this.jsonStart, end: this.out.pos };
  }

  /** Ends the record begun last, stored as JSON in its data field; returns where its JSON lies in `out.buf`. */
  end(): { start: number; end: number } {
    const { out, jsonStart } = this;
    out.ensure(0);
    out.buf.writeUInt32BE(out.pos - jsonStart, jsonStart - 4);
    this.finishRecord(6);
    return { start: jsonStart, end: out.pos };
  }

  /** Ends the record begun last with these fields (names and values, alternating) in place of its JSON. */
  endAsFields(fields: readonly string[]): void {
    if (fields.length + 4 > 0xffff) throw new Error(`a record of ${fields.length} fields is too many to store`);
    this.out.pos = this.fieldsStart;
    for (const field of fields) this.string(field);
    this.finishRecord(fields.length + 4);
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

  addFields(recordSeq: number, batchSeq: number, kind: string, fields: readonly string[]): void {
    this.begin(recordSeq, batchSeq, kind);
    this.endAsFields(fields);
  }

  /** The whole pack, header included, ready to send. */
  finish(): Buffer {
    const buf = this.out.buf;
    buf[0] = ARRAY32;
    buf.writeUInt32BE(this.count, 1);
    return this.out.written();
  }

  private finishRecord(strings: number): void {
    this.out.ensure(0);
    this.out.buf.writeUInt16BE(strings, this.recordStart + 1);
    this.count++;
    this.recordStart = this.out.pos;
    this.highestSeq = Math.max(this.highestSeq, this.pendingSeq);
  }

  /** Seqs and kinds are short ASCII: MessagePack's fixstr, up to 31 bytes. */
  private fixstr(text: string): void {
    if (text.length > 31) throw new Error(`"${text}" is too long for a record header`);
    this.out.byte(FIXSTR | text.length);
    this.out.ascii(text);
  }

  /** Any string, in the shortest MessagePack form that holds its UTF-8. */
  private string(text: string): void {
    const { out } = this;
    // Field names and numbers are short ASCII: written byte by byte, without Buffer's per-call cost.
    if (text.length < 32) {
      out.ensure(text.length + 1);
      const { buf } = out;
      let at = out.pos + 1;
      let ascii = true;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) {
          ascii = false;
          break;
        }
        buf[at++] = code;
      }
      if (ascii) {
        buf[out.pos] = FIXSTR | text.length;
        out.pos = at;
        return;
      }
    }
    const length = Buffer.byteLength(text);
    if (length < 32) out.byte(FIXSTR | length);
    else if (length < 0x100) {
      out.byte(STR8);
      out.byte(length);
    } else if (length < 0x10000) {
      out.byte(STR16);
      out.byte(length >> 8);
      out.byte(length & 0xff);
    } else {
      out.byte(STR32);
      out.ensure(4);
      out.buf.writeUInt32BE(length, out.pos);
      out.pos += 4;
    }
    out.utf8(text);
  }
}

/** Records held as objects (the loader's shape), packed as the collector stores them. */
export function packRecords(records: readonly Record[], batchSeq: number): RecordPack {
  const pack = new RecordPack();
  for (const record of records) {
    const fields = streamFields(record);
    if (fields !== undefined) pack.addFields(record.seq, batchSeq, record.kind!, fields);
    else pack.add(record.seq, batchSeq, record.kind!, JSON.stringify(record[record.kind!]));
  }
  return pack;
}
