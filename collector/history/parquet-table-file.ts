import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import type { ColumnSource } from 'hyparquet-writer/src/types.js';
import { collectorVersion } from '../collector-version.js';
import type { HistoryColumn, HistoryTableDefinition, Row, RowValue } from './history-table.js';

/**
 * A table's rows as one Parquet file and back, with hyparquet-writer and
 * hyparquet (pure JavaScript, so the collector runs wherever Node does,
 * ppc64le included). Strings are dictionary-encoded where that pays (the
 * writer's rule: when the dictionary at least halves a column), pages are
 * Snappy-compressed, every column is typed (README: the history's schema).
 */
export function encodeTableFile(table: HistoryTableDefinition, rows: readonly Row[]): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'root', num_children: table.columns.length }];
  const columnData: ColumnSource[] = [];
  for (const column of table.columns) {
    schema.push(...schemaOf(column));
    columnData.push({ name: column.name, data: rows.map((row) => cellOf(column, row[column.name] ?? null)), statistics: withStatistics(column) });
  }
  const buffer = parquetWriteBuffer({ columnData, schema, codec: 'SNAPPY', rowGroupSize: 100_000, createdBy: `powerprof ${collectorVersion}` });
  return new Uint8Array(buffer);
}

export async function decodeTableFile(table: HistoryTableDefinition, bytes: Uint8Array): Promise<Row[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const objects = (await parquetReadObjects({ file, columns: table.columns.map((c) => c.name) })) as Array<Record<string, unknown>>;
  return objects.map((object) => {
    const row: Row = {};
    for (const column of table.columns) row[column.name] = valueOf(column, object[column.name]);
    return row;
  });
}

/**
 * Min/max statistics where engines prune by them: the columns that say when
 * (timestamps, time_s) and which entry (stream_id, seq). Elsewhere they
 * would cost half the encoding time (measured) and prune nothing.
 */
function withStatistics(column: HistoryColumn): boolean {
  return column.type === 'TIMESTAMP' || column.name === 'time_s' || column.name === 'stream_id' || column.name === 'seq';
}

function schemaOf(column: HistoryColumn): SchemaElement[] {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const { name } = column;
  switch (column.type) {
    case 'STRING':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type }];
    case 'JSON':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type }];
    case 'DOUBLE':
    case 'INT32':
    case 'INT64':
    case 'BOOLEAN':
      return [{ name, type: column.type, repetition_type }];
    case 'TIMESTAMP':
      return [{ name, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' }, repetition_type }];
    case 'MAP_DOUBLE':
      return [
        { name, repetition_type, converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'value', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      ];
  }
}

function cellOf(column: HistoryColumn, value: RowValue): unknown {
  if (value === null) return null;
  if (column.type === 'TIMESTAMP' || column.type === 'INT64') return BigInt(value as number);
  return value;
}

/** hyparquet gives timestamps as Dates and 64-bit integers as bigints (and JSON parsed): back to row values. */
function valueOf(column: HistoryColumn, value: unknown): RowValue {
  if (value === null || value === undefined) return null;
  if (column.type === 'TIMESTAMP' && value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  return value;
}
