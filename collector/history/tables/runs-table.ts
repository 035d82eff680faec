import { countedValues, RUN_COLUMNS, RUN_POWER_COLUMNS, statusWord } from '../../../proto/csv-tables.js';
import type { RunRecord } from '../../../proto/records.js';
import { appendRow, column, ENTRY_COLUMNS, entryOf, type HistoryTableDefinition, type Row } from '../history-table.js';

/**
 * One row per run: runs.csv's columns, typed (started_at a timestamp), with
 * the counted values and workload metrics as maps rather than a column each
 * (so that every file has the same schema), and the whole run record as JSON
 * (fingerprint, per-source energy, perf's derived metrics) for export and report.
 */
export const runsTable: HistoryTableDefinition = {
  name: 'runs',
  kinds: ['run'],
  columns: [
    ...RUN_COLUMNS.map((name) => {
      if (name === 'repetition' || name === 'exit_code') return column(name, 'INT32', name === 'exit_code');
      if (name === 'started_at') return column(name, 'TIMESTAMP');
      return column(name, name === 'duration_s' ? 'DOUBLE' : 'STRING');
    }),
    column('experiment_id', 'STRING'),
    column('ended_at', 'TIMESTAMP'),
    ...RUN_POWER_COLUMNS.map((name) => column(name, 'DOUBLE', true)),
    column('energy_source', 'STRING'),
    column('warmup', 'BOOLEAN'),
    column('pmu_emulated', 'BOOLEAN'),
    column('counters', 'MAP_DOUBLE'),
    column('workload_metrics', 'MAP_DOUBLE'),
    column('record', 'JSON'),
    ...ENTRY_COLUMNS,
  ],
  appendRows(entry, columns) {
    const run = entry.record.data as RunRecord;
    const row: Row = {
      node: entry.node,
      run_id: run.run_id,
      workload: run.workload,
      repetition: run.repetition,
      status: statusWord(run.status),
      started_at: run.started_time_unix_ms,
      duration_s: run.duration_ms / 1000,
      exit_code: run.status === 'RUN_STATUS_OK' || run.status === 'RUN_STATUS_FAILED' ? run.exit_code : null,
      experiment_id: run.experiment_id,
      ended_at: run.ended_time_unix_ms,
      energy_source: run.energy_source,
      warmup: run.warmup,
      pmu_emulated: (run.fingerprint?.pmu_emulation ?? '') !== '',
      counters: Object.fromEntries(countedValues(run)),
      workload_metrics: { ...run.workload_metrics },
      record: run,
      stream_id: entry.record.id,
      seq: entry.record.seq,
    };
    for (const name of RUN_POWER_COLUMNS) row[name] = run[name] ?? null;
    appendRow(columns, row);
  },
  recordsOf(rows) {
    return rows.map((row) => ({ node: row.node as string, record: entryOf(row, 'run', row.record) }));
  },
};
