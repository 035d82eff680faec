import { emptyColumns, type NodeRecord, type TableColumns } from '../history/history-table.js';
import { historyFileName, partitionDir, streamIdMs, utcDate, type HistoryTable, type StreamRange } from '../history/history-layout.js';

const DAY_MS = 86_400_000;
import { tableOfKind } from '../history/history-tables.js';

/** One history file a batch becomes: a table's rows of one node and one day. */
export interface BatchFile {
  table: HistoryTable;
  directory: string;
  name: string;
  columns: TableColumns;
  rows: number;
}

/**
 * Cuts a batch (a contiguous range of one node's stream) into its files, one
 * per table and day, each named after the batch's whole range: the same
 * batch written again gives the same names.
 */
export function batchFiles(root: string, node: string, range: StreamRange, records: readonly NodeRecord[]): BatchFile[] {
  const files = new Map<string, BatchFile>();
  const name = historyFileName(range);
  let day = Number.NaN;
  let date = '';
  for (const entry of records) {
    const table = tableOfKind(entry.record.kind);
    const ms = streamIdMs(entry.record.id);
    // A batch spans a day boundary at most once: the date string is worked out per day, not per record.
    if (!(ms >= day && ms < day + DAY_MS)) {
      day = ms - (ms % DAY_MS);
      date = utcDate(ms);
    }
    const key = `${table.name}/${date}`;
    let file = files.get(key);
    if (file === undefined) {
      file = { table: table.name, directory: partitionDir(root, table.name, node, date), name, columns: emptyColumns(table), rows: 0 };
      files.set(key, file);
    }
    table.appendRows(entry, file.columns);
  }
  for (const file of files.values()) file.rows = file.columns.stream_id!.length;
  return [...files.values()];
}

/** The stream ID just above this one: trimming from there keeps everything after it. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  return `${ms}-${BigInt(seq) + 1n}`;
}
