import { POWER_COLUMNS } from '../../../proto/csv-tables.js';
import type { PowerSample } from '../../../proto/records.js';
import { column, ENTRY_COLUMNS, entryOf, knownTime, type HistoryTableDefinition, type RowValue } from '../history-table.js';

type PowerColumn = (typeof POWER_COLUMNS)[number] | 'energy_joules' | 'stale' | 'read_started_at' | 'read_ended_at' | 'stream_id' | 'seq';
type PowerCells = Record<PowerColumn, RowValue[]>;

/** One row per power sample: power.csv's columns, typed, and the rest of the sample (nothing is lost). */
export const powerTable: HistoryTableDefinition = {
  name: 'power',
  kinds: ['power_sample'],
  columns: [
    ...POWER_COLUMNS.map((name) => {
      if (name === 'time') return column(name, 'TIMESTAMP');
      if (name === 'watts') return column(name, 'DOUBLE');
      if (name === 'sampling_period_ms') return column(name, 'INT32', true);
      return name.endsWith('_watts') ? column(name, 'DOUBLE', true) : column(name, 'STRING');
    }),
    column('energy_joules', 'DOUBLE', true),
    column('stale', 'BOOLEAN'),
    column('read_started_at', 'TIMESTAMP', true),
    column('read_ended_at', 'TIMESTAMP', true),
    ...ENTRY_COLUMNS,
  ],
  appendRows(entry, columns) {
    const sample = entry.record.data as PowerSample;
    const cells = columns as PowerCells;
    cells.node.push(entry.node);
    cells.source.push(sample.source);
    cells.sensor.push(sample.sensor);
    cells.time.push(sample.time_unix_ms);
    cells.watts.push(sample.watts);
    cells.min_watts.push(sample.min_watts ?? null);
    cells.max_watts.push(sample.max_watts ?? null);
    cells.avg_watts.push(sample.avg_watts ?? null);
    cells.sampling_period_ms.push(sample.sampling_period_ms ?? null);
    cells.state.push(sample.state);
    cells.energy_joules.push(sample.energy_joules ?? null);
    cells.stale.push(sample.stale);
    cells.read_started_at.push(knownTime(sample.read_started_unix_ms));
    cells.read_ended_at.push(knownTime(sample.read_ended_unix_ms));
    cells.stream_id.push(entry.record.id);
    cells.seq.push(entry.record.seq);
  },
  recordsOf(rows) {
    return rows.map((row) => {
      const optional = (name: 'min_watts' | 'max_watts' | 'avg_watts' | 'sampling_period_ms' | 'energy_joules'): Partial<PowerSample> =>
        row[name] === null ? {} : { [name]: row[name] as number };
      const sample: PowerSample = {
        source: row.source as string,
        sensor: row.sensor as string,
        time_unix_ms: row.time as number,
        watts: row.watts as number,
        ...optional('min_watts'),
        ...optional('max_watts'),
        ...optional('avg_watts'),
        ...optional('sampling_period_ms'),
        ...optional('energy_joules'),
        state: row.state as string,
        stale: row.stale as boolean,
        read_started_unix_ms: (row.read_started_at as number | null) ?? 0,
        read_ended_unix_ms: (row.read_ended_at as number | null) ?? 0,
      };
      return { node: row.node as string, record: entryOf(row, 'power_sample', sample) };
    });
  },
};
