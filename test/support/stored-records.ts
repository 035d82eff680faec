import type { RunRecord } from '../../proto/records.js';

/**
 * A record as the collector stored it in a node's stream: the entry's
 * `data` field, JSON of the proto message (every field present, enums by
 * name). Typed as a run record unless the test says otherwise.
 */
export function storedRecord<T = RunRecord>(fields: readonly string[]): T {
  return JSON.parse(fields[fields.indexOf('data') + 1]!) as T;
}
