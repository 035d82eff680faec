import { emptyColumns, type NodeRecord, type TableColumns } from '../history/history-table.js';
import { historyFileName, partitionDir, streamIdMs, utcDate, type HistoryTable, type StreamRange } from '../history/history-layout.js';
import { tableOfKind } from '../history/history-tables.js';
import type { StoredRecord } from '../queue/stream-entry.js';

const DAY_MS = 86_400_000;

/** One history file a batch becomes: a table's rows of one node and one day. */
export interface BatchFile {
  table: HistoryTable;
  directory: string;
  name: string;
  columns: TableColumns;
  rows: number;
}

/**
 * A batch (a contiguous range of one node's stream) being cut into its
 * files, one per table and day, each named after the batch's whole range:
 * the same batch written again gives the same names. Records are added one
 * by one as they are decoded and become rows in columns at once, so that
 * neither they nor the reply they came from live on through the batch's
 * encoding and writing (they would, at 20,000 a batch, be copied by every
 * young-generation collection meanwhile).
 */
export class NodeBatch {
  private readonly byTableAndDate = new Map<string, { table: HistoryTable; date: string; columns: TableColumns }>();
  readonly recordsByTable = new Map<HistoryTable, number>();
  records = 0;
  private first = '';
  private last = '';
  private day = Number.NaN;
  private date = '';

  constructor(
    private readonly root: string,
    private readonly node: string,
  ) {}

  add(record: StoredRecord): void {
    const table = tableOfKind(record.kind);
    const ms = streamIdMs(record.id);
    // A batch spans a day boundary at most once: the date string is worked out per day, not per record.
    if (!(ms >= this.day && ms < this.day + DAY_MS)) {
      this.day = ms - (ms % DAY_MS);
      this.date = utcDate(ms);
    }
    const key = `${table.name}/${this.date}`;
    let file = this.byTableAndDate.get(key);
    if (file === undefined) {
      file = { table: table.name, date: this.date, columns: emptyColumns(table) };
      this.byTableAndDate.set(key, file);
    }
    table.appendRows({ node: this.node, record }, file.columns);
    this.recordsByTable.set(table.name, (this.recordsByTable.get(table.name) ?? 0) + 1);
    if (this.records++ === 0) this.first = record.id;
    this.last = record.id;
  }

  /** The stream range the batch covers (its first and last record's IDs). */
  get range(): StreamRange {
    return { first: this.first, last: this.last };
  }

  /** Its files, named after the range (another range can be given: the one a file of this batch must have). */
  files(range: StreamRange = this.range): BatchFile[] {
    const name = historyFileName(range);
    return [...this.byTableAndDate.values()].map(({ table, date, columns }) => ({
      table,
      directory: partitionDir(this.root, table, this.node, date),
      name,
      columns,
      rows: columns.stream_id!.length,
    }));
  }
}

/** A batch's files from records already decoded (tests; the sink adds them to a NodeBatch as it decodes). */
export function batchFiles(root: string, node: string, range: StreamRange, records: readonly NodeRecord[]): BatchFile[] {
  const batch = new NodeBatch(root, node);
  for (const { record } of records) batch.add(record);
  return batch.files(range);
}

/** The stream ID just above this one: trimming from there keeps everything after it. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  return `${ms}-${BigInt(seq) + 1n}`;
}
