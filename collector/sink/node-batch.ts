import type { NodeRecord, Row } from '../history/history-table.js';
import { historyFileName, partitionDir, streamIdDate, type HistoryTable, type StreamRange } from '../history/history-layout.js';
import { tableOfKind } from '../history/history-tables.js';

/** One history file a batch becomes: a table's rows of one node and one day. */
export interface BatchFile {
  table: HistoryTable;
  directory: string;
  name: string;
  rows: Row[];
}

/**
 * Cuts a batch (a contiguous range of one node's stream) into its files, one
 * per table and day, each named after the batch's whole range: the same
 * batch written again gives the same names.
 */
export function batchFiles(root: string, node: string, range: StreamRange, records: readonly NodeRecord[]): BatchFile[] {
  const files = new Map<string, BatchFile>();
  const name = historyFileName(range);
  for (const entry of records) {
    const table = tableOfKind(entry.record.kind);
    const date = streamIdDate(entry.record.id);
    const key = `${table.name}/${date}`;
    let file = files.get(key);
    if (file === undefined) {
      file = { table: table.name, directory: partitionDir(root, table.name, node, date), name, rows: [] };
      files.set(key, file);
    }
    file.rows.push(...table.rowsOf(entry));
  }
  return [...files.values()];
}

/** The stream ID just above this one: trimming from there keeps everything after it. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  return `${ms}-${BigInt(seq) + 1n}`;
}
