import { parquetReadObjects } from 'hyparquet';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { writeColumnChunk, type Leaf, type LeafValue } from './parquet-column-chunk.js';
import { collectorVersion } from '../collector-version.js';
import type { HistoryColumn, HistoryTableDefinition, Row, RowValue, TableColumns } from './history-table.js';

/**
 * A table's rows as one Parquet file (one row group) and back. Written by
 * our own column writer (parquet-column-chunk.ts) on hyparquet-writer's
 * Thrift, Snappy and RLE code, read with hyparquet: pure JavaScript, so the
 * collector runs wherever Node does, ppc64le included. Strings are
 * dictionary-encoded where that pays, pages are Snappy-compressed, every
 * column is typed (README: the history's schema).
 */
export function encodeTableFile(table: HistoryTableDefinition, cells: TableColumns): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'root', num_children: table.columns.length }];
  for (const column of table.columns) schema.push(...schemaOf(column));
  const writer = new ByteWriter(64 * 1024);
  writer.appendUint32(PARQUET_MAGIC);
  const columns = table.columns.flatMap((column) => leavesOf(column, cells[column.name]!).map((leaf) => writeColumnChunk(writer, leaf)));
  let total_byte_size = 0n;
  for (const chunk of columns) total_byte_size += chunk.meta_data!.total_uncompressed_size;
  const num_rows = BigInt(cells[table.columns[0]!.name]!.length);
  const metadata: Omit<FileMetaData, 'metadata_length'> = {
    version: 2,
    created_by: `powerprof ${collectorVersion}`,
    schema,
    num_rows,
    row_groups: [{ columns, total_byte_size, num_rows, total_compressed_size: BigInt(writer.offset - 4) }],
  };
  writeMetadata(writer, metadata as FileMetaData);
  writer.appendUint32(PARQUET_MAGIC);
  return writer.getBytes();
}

/** "PAR1", at both ends of a Parquet file. */
const PARQUET_MAGIC = 0x31524150;

/** A column's leaves, shredded (one for a flat column; a map's keys and values). */
function leavesOf(column: HistoryColumn, cells: readonly RowValue[]): Leaf[] {
  const { name, nullable } = column;
  const statistics = withStatistics(column);
  if (column.type === 'MAP_DOUBLE') {
    // OPTIONAL (or REQUIRED) map, REPEATED key_value: a null map, an empty one, or one slot per entry.
    const maxDefinitionLevel = nullable ? 2 : 1;
    const keys: string[] = [];
    const values: number[] = [];
    const definitionLevels: number[] = [];
    const repetitionLevels: number[] = [];
    for (const cell of cells) {
      const map = cell as Record<string, number> | null;
      const entries = map === null ? undefined : Object.entries(map);
      if (entries === undefined || entries.length === 0) {
        definitionLevels.push(entries === undefined ? 0 : maxDefinitionLevel - 1);
        repetitionLevels.push(0);
        continue;
      }
      entries.forEach(([key, value], i) => {
        keys.push(key);
        values.push(value);
        definitionLevels.push(maxDefinitionLevel);
        repetitionLevels.push(i === 0 ? 0 : 1);
      });
    }
    const [, , key, value] = schemaOf(column) as [SchemaElement, SchemaElement, SchemaElement, SchemaElement];
    const shape = { definitionLevels, maxDefinitionLevel, repetitionLevels, maxRepetitionLevel: 1, statistics };
    return [
      { path: [name, 'key_value', 'key'], element: key, values: keys, ...shape },
      { path: [name, 'key_value', 'value'], element: value, values, ...shape },
    ];
  }
  const element = schemaOf(column)[0]!;
  const json = column.type === 'JSON';
  if (!nullable) {
    if (cells.includes(null)) throw new Error(`history column ${name} is required, and a row has none`);
    const values = json ? cells.map((cell) => JSON.stringify(cell)) : (cells as LeafValue[]);
    return [{ path: [name], element, values, maxDefinitionLevel: 0, maxRepetitionLevel: 0, statistics }];
  }
  const values: LeafValue[] = [];
  const definitionLevels = new Array<number>(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    definitionLevels[i] = cell === null ? 0 : 1;
    if (cell !== null) values.push(json ? JSON.stringify(cell) : (cell as LeafValue));
  }
  return [{ path: [name], element, values, definitionLevels, maxDefinitionLevel: 1, maxRepetitionLevel: 0, statistics }];
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

/** hyparquet gives timestamps as Dates and 64-bit integers as bigints (and JSON parsed): back to row values. */
function valueOf(column: HistoryColumn, value: unknown): RowValue {
  if (value === null || value === undefined) return null;
  if (column.type === 'TIMESTAMP' && value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  return value;
}
