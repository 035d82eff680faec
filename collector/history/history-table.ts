import type { StoredRecord } from '../queue/stream-entry.js';
import type { RecordKind } from '../../proto/records.js';
import type { HistoryTable } from './history-layout.js';

/**
 * One table of the Parquet history: its typed columns (a contract: README,
 * docs/data.md), which record kinds it holds, and the way between a stored
 * record and its rows. Every table ends with the entry's stream_id and seq,
 * which say exactly which stream entries a file holds.
 */

/** TIMESTAMP: unix ms in rows, UTC milliseconds in Parquet. MAP_DOUBLE: an object of name -> number. JSON: any value, stored as its JSON text. */
export type ColumnType = 'STRING' | 'DOUBLE' | 'INT32' | 'INT64' | 'BOOLEAN' | 'TIMESTAMP' | 'JSON' | 'MAP_DOUBLE';

export interface HistoryColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export type RowValue = string | number | boolean | null | object;
export type Row = Record<string, RowValue>;

/** A record as the sink takes it from a node's stream, and as history gives it back. */
export interface NodeRecord {
  node: string;
  record: StoredRecord;
}

export interface HistoryTableDefinition {
  readonly name: HistoryTable;
  readonly kinds: readonly RecordKind[];
  readonly columns: readonly HistoryColumn[];
  /** Appends the record's rows (a counter interval has one per event) to the table's columns. */
  appendRows(entry: NodeRecord, columns: TableColumns): void;
  /** Rows back into records, in file order; the rows of one entry are adjacent. */
  recordsOf(rows: readonly Row[]): NodeRecord[];
}

/**
 * A table's rows as columns, each column's cells in row order: what a file
 * is written from. Rows are built straight into columns, with no object per
 * row (the sink writes hundreds of thousands of rows a second).
 */
export type TableColumns = Record<string, RowValue[]>;

export function emptyColumns(table: HistoryTableDefinition): TableColumns {
  const columns: TableColumns = {};
  for (const { name } of table.columns) columns[name] = [];
  return columns;
}

/** Appends one row given as an object (the tables that see few records a day build them so). */
export function appendRow(columns: TableColumns, row: Row): void {
  for (const name in columns) columns[name]!.push(row[name] ?? null);
}

export const column = (name: string, type: ColumnType, nullable = false): HistoryColumn => ({ name, type, nullable });

/** The columns every table ends with: which stream entry a row came from. */
export const ENTRY_COLUMNS: readonly HistoryColumn[] = [column('stream_id', 'STRING'), column('seq', 'INT64')];

export function entryOf(row: Row, kind: RecordKind, data: unknown): StoredRecord {
  return { id: row.stream_id as string, seq: row.seq as number, kind, data };
}

/** A TIMESTAMP cell for unix ms where 0 means "not known" (proto3's default). */
export function knownTime(unixMs: number): number | null {
  return unixMs === 0 ? null : unixMs;
}
