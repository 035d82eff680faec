import type { CounterInterval, PowerSample, RunRecord } from './records.js';

/**
 * The CSV files users get (runs.csv, power.csv, counters.csv), built from
 * records. The columns are a contract (DESIGN.md), shared by the collector's
 * export and the agent's --csv copy, so they are defined once, here.
 */

export interface NodeRun {
  node: string;
  run: RunRecord;
}
export interface NodePowerSample {
  node: string;
  sample: PowerSample;
}
export interface NodeCounterInterval {
  node: string;
  interval: CounterInterval;
}

type Cell = string | number | undefined;

export const RUN_COLUMNS = ['node', 'run_id', 'workload', 'repetition', 'status', 'started_at', 'duration_s', 'exit_code'] as const;
export const RUN_POWER_COLUMNS = ['energy_joules', 'avg_watts', 'idle_watts', 'dynamic_energy_joules', 'joules_per_item', 'energy_uncertainty_joules'] as const;
export const POWER_COLUMNS = ['node', 'source', 'sensor', 'time', 'watts', 'min_watts', 'max_watts', 'avg_watts', 'sampling_period_ms', 'state'] as const;
export const COUNTER_COLUMNS = ['node', 'run_id', 'time_s', 'event', 'value', 'unit', 'status', 'running_percent'] as const;

/** "RUN_STATUS_OK" -> "ok", "COUNTER_STATUS_NOT_SUPPORTED" -> "not_supported". */
export function statusWord(status: string): string {
  return status.replace(/^(RUN|COUNTER)_STATUS_/, '').toLowerCase();
}

/**
 * One row per run; one column per counter event (in first-seen order, empty
 * where the event was not counted, the raw count otherwise), one per
 * workload metric (named as the workload printed it); power columns only
 * when a run has energy.
 */
export function runsCsv(runs: readonly NodeRun[]): string {
  const events = uniqueInOrder(runs.flatMap(({ run }) => run.counters.map((counter) => counter.event)));
  const metrics = uniqueInOrder(runs.flatMap(({ run }) => Object.keys(run.workload_metrics))).filter((name) => !events.includes(name));
  const withPower = runs.some(({ run }) => run.energy_joules !== undefined);
  // Per source: its node-level figure ("total" or its one whole-node sensor), e.g. rapl_energy_joules,
  // each with its uncertainty.
  const sources = uniqueInOrder(runs.flatMap(({ run }) => run.source_energies.map((e) => e.source)));
  // Warm-up runs are recorded and flagged; the flag column comes last, and only when there are some.
  const withWarmup = runs.some(({ run }) => run.warmup);
  // Runs counted on an emulated PMU (QEMU's TCG) are flagged, after the warm-up flag, only when there are some.
  const withEmulated = runs.some(({ run }) => (run.fingerprint?.pmu_emulation ?? '') !== '');
  const sourceColumns = sources.flatMap((source) => [`${source}_energy_joules`, `${source}_avg_watts`, `${source}_uncertainty_joules`]);
  const header = [
    ...RUN_COLUMNS,
    ...events,
    ...metrics,
    ...(withPower ? RUN_POWER_COLUMNS : []),
    ...sourceColumns,
    ...(withWarmup ? ['warmup'] : []),
    ...(withEmulated ? ['pmu_emulated'] : []),
  ];
  const rows = runs.map(({ node, run }) => {
    const counted = countedValues(run);
    const power: Cell[] = withPower
      ? [run.energy_joules, run.avg_watts, run.idle_watts, run.dynamic_energy_joules, run.joules_per_item, run.energy_uncertainty_joules]
      : [];
    const perSource: Cell[] = sources.flatMap((source) => {
      const figure = sourceFigure(run, source);
      return [figure?.energy_joules, figure?.avg_watts, figure?.uncertainty_joules];
    });
    return [
      node,
      run.run_id,
      run.workload,
      run.repetition,
      statusWord(run.status),
      new Date(run.started_time_unix_ms).toISOString(),
      Math.round(run.duration_ms * 1000) / 1e6,
      run.status === 'RUN_STATUS_OK' || run.status === 'RUN_STATUS_FAILED' ? run.exit_code : undefined,
      ...events.map((event) => counted.get(event)),
      ...metrics.map((name) => run.workload_metrics[name]),
      ...power,
      ...perSource,
      ...(withWarmup ? [String(run.warmup)] : []),
      ...(withEmulated ? [String((run.fingerprint?.pmu_emulation ?? '') !== '')] : []),
    ];
  });
  return toCsv([header, ...rows]);
}

/** With `header: false`, rows only: for appending to a file that has its header. */
export function powerCsv(samples: readonly NodePowerSample[], { header = true } = {}): string {
  const rows = samples.map(({ node, sample }) => [
    node,
    sample.source,
    sample.sensor,
    new Date(sample.time_unix_ms).toISOString(),
    sample.watts,
    sample.min_watts,
    sample.max_watts,
    sample.avg_watts,
    sample.sampling_period_ms,
    sample.state,
  ]);
  return toCsv(header ? [[...POWER_COLUMNS], ...rows] : rows);
}

export function countersCsv(intervals: readonly NodeCounterInterval[], { header = true } = {}): string {
  const rows = intervals.flatMap(({ node, interval }) =>
    interval.counters.map((counter) => [
      node,
      interval.run_id,
      interval.time_s,
      counter.event,
      counter.status === 'COUNTER_STATUS_COUNTED' ? counter.value : undefined,
      counter.unit,
      statusWord(counter.status),
      counter.running_percent,
    ]),
  );
  return toCsv(header ? [[...COUNTER_COLUMNS], ...rows] : rows);
}

/** Counted values by event; rows perf printed more than once for an event (per CPU) are summed. */
export function countedValues(run: RunRecord): Map<string, number> {
  const values = new Map<string, number>();
  for (const counter of run.counters) {
    if (counter.status !== 'COUNTER_STATUS_COUNTED') continue;
    values.set(counter.event, (values.get(counter.event) ?? 0) + counter.value);
  }
  return values;
}

/** A source's node-level entry: "total" when it sums sensors, else its only entry, else none. */
function sourceFigure(run: RunRecord, source: string): RunRecord['source_energies'][number] | undefined {
  const entries = run.source_energies.filter((e) => e.source === source);
  const primarySensor = run.energy_source.startsWith(`${source}/`) ? run.energy_source.slice(source.length + 1) : undefined;
  return entries.find((e) => e.sensor === primarySensor) ?? entries.find((e) => e.sensor === 'total') ?? (entries.length === 1 ? entries[0] : undefined);
}

function uniqueInOrder(items: string[]): string[] {
  return [...new Set(items)];
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
function toCsv(rows: Cell[][]): string {
  return rows.map((row) => `${row.map(formatCell).join(',')}\n`).join('');
}

/**
 * Text that a spreadsheet would take for a formula (=, +, -, @, a tab or a
 * carriage return first: an event or metric name a workload chose) gets an
 * apostrophe in front, as OWASP advises; so does text that starts with an
 * apostrophe, so that reading undoes exactly that. Numbers are written as
 * numbers, negative ones included.
 */
const FORMULA_START = /^['=+\-@\t\r]/;

function formatCell(cell: Cell): string {
  if (cell === undefined) return '';
  const text = typeof cell === 'string' && FORMULA_START.test(cell) ? `'${cell}` : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Reads CSV as written above (RFC 4180): rows of cells, quotes and formula guards undone. */
export function parseCsv(text: string): string[][] {
  return parseCsvCells(text).map((row) => row.map((cell) => (cell.startsWith("'") ? cell.slice(1) : cell)));
}

function parseCsvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** CSV text as objects keyed by the header's column names. */
export function csvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) return [];
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}
