import { COUNTER_COLUMNS, statusWord } from '../../../proto/csv-tables.js';
import type { CounterInterval, CounterValue } from '../../../proto/records.js';
import { column, ENTRY_COLUMNS, entryOf, type HistoryTableDefinition, type Row } from '../history-table.js';

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
  rowsOf(entry) {
    const interval = entry.record.data as CounterInterval;
    const { node } = entry;
    const { id: stream_id, seq } = entry.record;
    const { run_id, time_s } = interval;
    // Literal rows of one shape (no spreads): tens of thousands of them a batch.
    if (interval.counters.length === 0) return [{ node, run_id, time_s, event: '', value: null, unit: '', status: '', running_percent: 0, stream_id, seq }];
    return interval.counters.map((counter) => ({
      node,
      run_id,
      time_s,
      event: counter.event,
      value: counter.status === 'COUNTER_STATUS_COUNTED' ? counter.value : null,
      unit: counter.unit,
      status: wordOf(counter.status),
      running_percent: counter.running_percent,
      stream_id,
      seq,
    }));
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
