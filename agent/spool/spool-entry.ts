import { crc32 } from './crc32.js';

/**
 * How one record lies in a spool segment:
 *
 *   u32 LE  body length
 *   u32 LE  CRC-32 of the body
 *   body:   u64 LE seq | u8 class | the record's protobuf bytes
 *
 * The class lets the drop policy find samples without decoding them. A
 * crash can leave the last entry half written; reading stops at the first
 * entry whose length or checksum does not hold.
 */

export const ENTRY_HEADER_BYTES = 8;
const BODY_PREFIX_BYTES = 9;
/** Far above any real record; a length beyond it is damage, not data. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export type EntryClass = 'keep' | 'sample';

export interface SpoolEntry {
  seq: number;
  entryClass: EntryClass;
  payload: Uint8Array;
  /** Where the entry starts in its segment, and its whole size with the header. */
  offset: number;
  size: number;
}

export function encodeEntry(seq: number, entryClass: EntryClass, payload: Uint8Array): Buffer {
  const entry = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + BODY_PREFIX_BYTES + payload.length);
  entry.writeBigUInt64LE(BigInt(seq), ENTRY_HEADER_BYTES);
  entry.writeUInt8(entryClass === 'sample' ? 1 : 0, ENTRY_HEADER_BYTES + 8);
  entry.set(payload, ENTRY_HEADER_BYTES + BODY_PREFIX_BYTES);
  const body = entry.subarray(ENTRY_HEADER_BYTES);
  entry.writeUInt32LE(body.length, 0);
  entry.writeUInt32LE(crc32(body), 4);
  return entry;
}

export type EntryScan =
  | { kind: 'entry'; entry: SpoolEntry }
  /** The bytes from here on do not form a whole entry yet: the chunk ends, or the segment does. */
  | { kind: 'incomplete'; needBytes: number }
  /** The entry here is damaged: its length is impossible or its checksum wrong. */
  | { kind: 'damaged'; why: string };

/**
 * Reads the entry at `at` in `chunk`, which holds the segment's bytes from
 * `chunkOffset` on. `incomplete` asks for a larger chunk when the segment has
 * more bytes; at the segment's end it means a torn tail.
 */
export function scanEntry(chunk: Buffer, at: number, chunkOffset: number): EntryScan {
  if (chunk.length - at < ENTRY_HEADER_BYTES) return { kind: 'incomplete', needBytes: ENTRY_HEADER_BYTES };
  const length = chunk.readUInt32LE(at);
  if (length < BODY_PREFIX_BYTES || length > MAX_BODY_BYTES) return { kind: 'damaged', why: `entry length ${length} is impossible` };
  const size = ENTRY_HEADER_BYTES + length;
  if (chunk.length - at < size) return { kind: 'incomplete', needBytes: size };
  const body = chunk.subarray(at + ENTRY_HEADER_BYTES, at + size);
  if (crc32(body) !== chunk.readUInt32LE(at + 4)) return { kind: 'damaged', why: 'checksum mismatch' };
  const seq = Number(body.readBigUInt64LE(0));
  const entryClass: EntryClass = body.readUInt8(8) === 1 ? 'sample' : 'keep';
  return { kind: 'entry', entry: { seq, entryClass, payload: body.subarray(BODY_PREFIX_BYTES), offset: chunkOffset + at, size } };
}
