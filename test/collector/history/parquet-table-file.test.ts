import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import {
  appendRow,
  column,
  emptyColumns,
  type HistoryTableDefinition,
  type NodeRecord,
  type Row,
  type TableColumns,
} from '../../../collector/history/history-table.js';
import { decodeTableFile, encodeTableFile } from '../../../collector/history/parquet-table-file.js';
import { batchFiles } from '../../../collector/sink/node-batch.js';
import { sampleCounter } from '../../proto/sample-records.js';

/** A table of every column type the history uses, each nullable where a table makes it so. */
const everyType: HistoryTableDefinition = {
  name: 'status',
  kinds: [],
  columns: [
    column('text', 'STRING'),
    column('often', 'STRING'),
    column('maybe_text', 'STRING', true),
    column('real', 'DOUBLE'),
    column('maybe_real', 'DOUBLE', true),
    column('small', 'INT32', true),
    column('big', 'INT64'),
    column('time', 'TIMESTAMP', true),
    column('flag', 'BOOLEAN'),
    column('map', 'MAP_DOUBLE'),
    column('record', 'JSON'),
  ],
  appendRows: () => undefined,
  recordsOf: () => [],
};

function everyTypeRow(i: number): Row {
  return {
    text: `row ${i} ✓ ünïcödé`,
    often: ['cycles', 'instructions', 'task-clock'][i % 3]!,
    maybe_text: i % 4 === 0 ? null : `t${i % 7}`,
    real: i === 1 ? -0 : i === 2 ? Number.NaN : i * 1.5 - 1000,
    maybe_real: i % 5 === 0 ? null : 0.1 * i,
    small: i % 6 === 0 ? null : i - 30_000,
    big: 2 ** 40 + i * 3 - (i % 2 === 0 ? 2 ** 41 : 0), // beyond 32 bits, both signs
    time: i % 9 === 0 ? null : 1_764_547_200_000 + i * 100,
    flag: i % 3 === 1,
    // A map may be empty, or hold one entry or several: pages must not split one.
    map: i % 10 === 0 ? {} : Object.fromEntries(Array.from({ length: 1 + (i % 4) }, (_, k) => [`k${k}`, i + k / 10])),
    record: { i, nested: { list: [i, 'x'] } },
  };
}

function columnsOf(rows: readonly Row[]): TableColumns {
  const columns = emptyColumns(everyType);
  for (const row of rows) appendRow(columns, row);
  return columns;
}

describe('the Parquet writer of the history', () => {
  it('writes every column type (nulls, -0, NaN, 64-bit integers, Unicode, maps, JSON) and hyparquet reads back each value', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => everyTypeRow(i)); // more than one page per column
    const bytes = encodeTableFile(everyType, columnsOf(rows));
    const back = await decodeTableFile(everyType, bytes);
    assert.equal(back.length, rows.length);
    for (let i = 0; i < rows.length; i++) {
      const { record, ...rest } = rows[i]!;
      const { record: backRecord, ...backRest } = back[i]!;
      assert.deepEqual(backRest, rest, `row ${i}`);
      assert.deepEqual(backRecord, record, `row ${i}'s JSON`);
    }
    assert.ok(Object.is(back[1]!.real, -0), '-0 stays -0');
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const encodings = new Map(metadata.row_groups[0]!.columns.map((chunk) => [chunk.meta_data!.path_in_schema.join('.'), chunk.meta_data!.encodings]));
    assert.deepEqual(encodings.get('often'), ['PLAIN', 'RLE_DICTIONARY'], 'three values: a dictionary');
    assert.deepEqual(encodings.get('text'), ['PLAIN'], 'every value distinct: no dictionary');
  });

  it('DuckDB, which shares no code with it, reads the same values', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => everyTypeRow(i));
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-parquet-'));
    try {
      writeFileSync(join(dir, 'every.parquet'), encodeTableFile(everyType, columnsOf(rows)));
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const reader = await connection.runAndReadAll(
          `SELECT text, often, maybe_text, real, maybe_real, small, big::VARCHAR AS big, epoch_ms(time) AS time, flag, map::JSON::VARCHAR AS map, record::VARCHAR AS record
           FROM read_parquet('${join(dir, 'every.parquet')}')`,
        );
        const read = reader.getRowObjectsJS();
        assert.equal(read.length, rows.length);
        for (const i of [0, 1, 2, 3, 4, 9, 10, 65_535, 65_536, 65_537, 69_999]) {
          const row = rows[i]!;
          const got = read[i]!;
          assert.equal(got.text, row.text);
          assert.equal(got.often, row.often);
          assert.equal(got.maybe_text, row.maybe_text);
          if (Number.isNaN(row.real)) assert.ok(Number.isNaN(got.real));
          else assert.equal(got.real, row.real);
          assert.equal(got.maybe_real, row.maybe_real);
          assert.equal(got.small, row.small);
          assert.equal(got.big, String(row.big as number));
          assert.equal(got.time === null ? null : Number(got.time), row.time, `row ${i}'s time`);
          assert.equal(got.flag, row.flag);
          assert.deepEqual(JSON.parse(got.map as string), row.map, `row ${i}'s map`);
          assert.deepEqual(JSON.parse(got.record as string), row.record);
        }
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a required column given a null is an error, not a file that lies', () => {
    const rows = [everyTypeRow(1), { ...everyTypeRow(2), text: null }];
    assert.throws(() => encodeTableFile(everyType, columnsOf(rows)), /history column text is required/);
  });

  it('a batch that spans midnight (UTC) becomes one file per day, each named after the whole batch', () => {
    const midnight = Date.UTC(2026, 11, 1);
    const ids = [midnight - 2, midnight - 1, midnight, midnight + 5].map((ms) => `${ms}-0`);
    const records: NodeRecord[] = ids.map((id, i) => ({
      node: 'n1',
      record: { id, seq: i + 1, kind: 'counter_interval', data: { run_id: 'r', time_s: i, counters: [sampleCounter('cycles', 10 + i)] } },
    }));
    const files = batchFiles('/history', 'n1', { first: ids[0]!, last: ids[3]! }, records);
    assert.deepEqual(
      files.map((file) => [file.directory, file.name, file.rows, file.columns.seq]),
      [
        ['/history/table=counters/node=n1/date=2026-11-30', `${ids[0]}_${ids[3]}.parquet`, 2, [1, 2]],
        ['/history/table=counters/node=n1/date=2026-12-01', `${ids[0]}_${ids[3]}.parquet`, 2, [3, 4]],
      ],
    );
  });
});
