import type { RecordKind } from '../../../proto/records.js';
import { appendRow, column, ENTRY_COLUMNS, entryOf, knownTime, type HistoryTableDefinition } from '../history-table.js';

/**
 * What a node said of its power sources and its fleet jobs, as it said it:
 * kind, time and the record as JSON; also any kind a newer collector stored
 * that this one does not know, so that the sink never stops at one.
 */
export const statusTable: HistoryTableDefinition = {
  name: 'status',
  kinds: ['power_source_status', 'job_status'],
  columns: [column('node', 'STRING'), column('kind', 'STRING'), column('time', 'TIMESTAMP', true), column('record', 'JSON'), ...ENTRY_COLUMNS],
  appendRows(entry, columns) {
    const data = entry.record.data as { time_unix_ms?: number } | null;
    appendRow(columns, {
      node: entry.node,
      kind: entry.record.kind,
      time: knownTime(Number(data?.time_unix_ms ?? 0)),
      record: data,
      stream_id: entry.record.id,
      seq: entry.record.seq,
    });
  },
  recordsOf(rows) {
    return rows.map((row) => ({ node: row.node as string, record: entryOf(row, row.kind as RecordKind, row.record) }));
  },
};
