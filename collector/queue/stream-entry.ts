import type { RecordKind } from '../../proto/records.js';
import { counterIntervalOf, powerSampleOf } from '../wire/stream-fields.js';

/** A record as read back from a node's stream. */
export interface StoredRecord {
  id: string;
  seq: number;
  kind: RecordKind;
  /** The record's message (NodeInfo, RunRecord, PowerSample, ...) as the collector received it. */
  data: unknown;
}

/**
 * One stream entry back into its record, in either layout: a "data" field
 * holding the message as JSON (every kind, up to issue 19; still every kind
 * but power samples and counter intervals), or one field per value
 * (stream-fields.ts).
 */
export function decodeEntry(id: string, fields: readonly string[]): StoredRecord {
  let seq = 0;
  let kind = '' as RecordKind;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    if (name === 'seq') seq = Number(fields[i + 1]);
    else if (name === 'kind') kind = fields[i + 1] as RecordKind;
    else if (name === 'data') data = fields[i + 1];
  }
  if (data !== undefined) return { id, seq, kind, data: JSON.parse(data) as unknown };
  if (kind === 'power_sample') return { id, seq, kind, data: powerSampleOf(fields) };
  if (kind === 'counter_interval') return { id, seq, kind, data: counterIntervalOf(fields) };
  return { id, seq, kind, data: null };
}

/** A stream entry as an ioredis *Buffer command replies (xrangeBuffer, xreadgroupBuffer). */
export type RawEntry = [id: Buffer, fields: Buffer[]];

/**
 * decodeEntry for an entry read as Buffers. Read this way and turned into
 * text here, an entry costs about two thirds of the CPU ioredis spends
 * replying with strings (measured: 10 against 15 us per record).
 */
export function decodeRawEntry([id, fields]: RawEntry): StoredRecord {
  const text = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) text[i] = fields[i]!.toString();
  return decodeEntry(id.toString(), text);
}
