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
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
  const values = new Map(pairs);
  const kind = values.get('kind') as RecordKind;
  const seq = Number(values.get('seq'));
  if (values.has('data')) return { id, seq, kind, data: JSON.parse(values.get('data')!) as unknown };
  if (kind === 'power_sample') return { id, seq, kind, data: powerSampleOf(values) };
  if (kind === 'counter_interval') return { id, seq, kind, data: counterIntervalOf(pairs.slice(2)) };
  return { id, seq, kind, data: null };
}
