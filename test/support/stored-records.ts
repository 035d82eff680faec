import { decodeEntry } from '../../collector/queue/stream-entry.js';
import type { RunRecord } from '../../proto/records.js';

/**
 * A record as the collector stored it in a node's stream, read back the way
 * export does (a "data" field of JSON, or one field per value for power
 * samples and counter intervals). Typed as a run record unless the test
 * says otherwise.
 */
export function storedRecord<T = RunRecord>(fields: readonly string[]): T {
  return decodeEntry('', fields).data as T;
}
