import { join } from 'node:path';

/**
 * Where the sink puts a node's records: Hive-style partitions, the layout
 * Spark, Trino, DuckDB and pandas read as columns (table, node, date):
 *
 *   DIR/table=TABLE/node=NODE/date=YYYY-MM-DD/FIRST_LAST.parquet
 *
 * FIRST and LAST are the stream IDs of the first and last entry of the batch
 * the file came from (a batch is a contiguous range of one node's stream), so
 * a file's name says which entries it may hold, and a batch redone after a
 * crash writes the same names. date is the UTC day of the entry's stream ID:
 * when the collector stored it (counter intervals carry no clock time of
 * their own). This layout is a contract (README, docs/data.md).
 */

export const HISTORY_TABLES = ['runs', 'power', 'counters', 'node_info', 'status'] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];

export interface StreamRange {
  first: string;
  last: string;
}

/** When a stream entry was stored: its ID's milliseconds ("1764546000000-3"). */
export function streamIdMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The UTC day, YYYY-MM-DD. */
export function utcDate(unixMs: number): string {
  return new Date(unixMs).toISOString().slice(0, 10);
}

export function partitionDir(root: string, table: HistoryTable, node: string, date: string): string {
  return join(root, `table=${table}`, `node=${node}`, `date=${date}`);
}

export function historyFileName(range: StreamRange): string {
  return `${range.first}_${range.last}.parquet`;
}

const FILE_NAME = /^(\d+-\d+)_(\d+-\d+)\.parquet$/;

/** The stream range a history file's name states, or undefined for any other file. */
export function rangeOfFileName(name: string): StreamRange | undefined {
  const match = FILE_NAME.exec(name);
  return match === null ? undefined : { first: match[1]!, last: match[2]! };
}

/** Orders stream IDs ("ms-seq") as Redis does. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split('-').map(BigInt) as [bigint, bigint];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}
