import { POWER_COLUMNS } from '../../../proto/csv-tables.js';
import type { PowerSample } from '../../../proto/records.js';
import { column, ENTRY_COLUMNS, entryOf, knownTime, type HistoryTableDefinition } from '../history-table.js';

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
  rowsOf(entry) {
    const sample = entry.record.data as PowerSample;
    return [
      {
        node: entry.node,
        source: sample.source,
        sensor: sample.sensor,
        time: sample.time_unix_ms,
        watts: sample.watts,
        min_watts: sample.min_watts ?? null,
        max_watts: sample.max_watts ?? null,
        avg_watts: sample.avg_watts ?? null,
        sampling_period_ms: sample.sampling_period_ms ?? null,
        state: sample.state,
        energy_joules: sample.energy_joules ?? null,
        stale: sample.stale,
        read_started_at: knownTime(sample.read_started_unix_ms),
        read_ended_at: knownTime(sample.read_ended_unix_ms),
        stream_id: entry.record.id,
        seq: entry.record.seq,
      },
    ];
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
