import { COUNTER_COLUMNS, statusWord } from '../../../proto/csv-tables.js';
import type { CounterInterval, CounterValue } from '../../../proto/records.js';
import { column, ENTRY_COLUMNS, entryOf, type HistoryTableDefinition, type Row, type RowValue } from '../history-table.js';

type CounterCells = Record<(typeof COUNTER_COLUMNS)[number] | 'stream_id' | 'seq', RowValue[]>;

/**
 * One row per event per counter interval: counters.csv's columns, typed.
 * value is null where perf did not count the event. What is stored of an
 * interval in Redis is all here (stream-fields.ts); an interval without
 * counters keeps one row with an empty event, so that no record is lost.
 */
export const countersTable: HistoryTableDefinition = {
  name: 'counters',
  kinds: ['counter_interval'],
  columns: [
    ...COUNTER_COLUMNS.map((name) => {
      if (name === 'time_s' || name === 'running_percent') return column(name, 'DOUBLE');
      return name === 'value' ? column(name, 'DOUBLE', true) : column(name, 'STRING');
    }),
    ...ENTRY_COLUMNS,
  ],
  appendRows(entry, columns) {
    const interval = entry.record.data as CounterInterval;
    const cells = columns as CounterCells;
    const { node } = entry;
    const { id, seq } = entry.record;
    const { run_id, time_s } = interval;
    const row = (event: string, value: number | null, unit: string, status: string, runningPercent: number): void => {
      cells.node.push(node);
      cells.run_id.push(run_id);
      cells.time_s.push(time_s);
      cells.event.push(event);
      cells.value.push(value);
      cells.unit.push(unit);
      cells.status.push(status);
      cells.running_percent.push(runningPercent);
      cells.stream_id.push(id);
      cells.seq.push(seq);
    };
    if (interval.counters.length === 0) row('', null, '', '', 0);
    for (const counter of interval.counters) {
      const counted = counter.status === 'COUNTER_STATUS_COUNTED';
      row(counter.event, counted ? counter.value : null, counter.unit, wordOf(counter.status), counter.running_percent);
    }
  },
  recordsOf(rows) {
    const records = [];
    for (let start = 0; start < rows.length;) {
      let end = start + 1;
      while (end < rows.length && rows[end]!.stream_id === rows[start]!.stream_id) end++;
      const first = rows[start]!;
      const counters = first.event === '' ? [] : rows.slice(start, end).map(counterOf);
      const interval: CounterInterval = { run_id: first.run_id as string, time_s: first.time_s as number, counters };
      records.push({ node: first.node as string, record: entryOf(first, 'counter_interval', interval) });
      start = end;
    }
    return records;
  },
};

const statusWords = new Map<string, string>();
/** "COUNTER_STATUS_NOT_COUNTED" -> "not_counted", worked out once per status. */
function wordOf(status: string): string {
  let word = statusWords.get(status);
  if (word === undefined) statusWords.set(status, (word = statusWord(status)));
  return word;
}

/** As read back from Redis (stream-fields.ts): the scaled estimate is the value x 100 / running percent. */
function counterOf(row: Row): CounterValue {
  const status = `COUNTER_STATUS_${(row.status as string).toUpperCase()}` as CounterValue['status'];
  const counted = status === 'COUNTER_STATUS_COUNTED';
  const value = counted ? (row.value as number) : 0;
  const runningPercent = row.running_percent as number;
  return {
    event: row.event as string,
    value,
    unit: row.unit as string,
    running_percent: runningPercent,
    status,
    metric_value: 0,
    metric_unit: '',
    maps_to: '',
    ...(counted && runningPercent > 0 && runningPercent < 100 ? { scaled_value: (value * 100) / runningPercent } : {}),
  };
}
