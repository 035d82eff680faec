import type { RunRecord } from '../../proto/records.js';
import { architectureDependentEvents } from '../perf/generic-event-meanings.js';

/**
 * What the person at the terminal reads: a progress line per run and, at
 * the end, one row per run with mean ± sd over the measured (not warm-up)
 * runs that succeeded. Text for humans; the records are the data.
 */

interface Column {
  title: string;
  value(run: RunRecord): number | string | undefined;
  digits: number;
}

const DERIVED: Array<[string, string, number, number]> = [
  ['IPC', 'ipc', 1, 2],
  ['cache miss %', 'cache_miss_ratio', 100, 2],
  ['branch miss %', 'branch_miss_ratio', 100, 2],
  ['cache MPKI', 'cache_misses_per_kilo_instruction', 1, 2],
];

export interface Progress {
  done: number;
  /** Runs planned in all, warm-ups included; undefined when a stopping rule decides. */
  total: number | undefined;
  elapsedS: number;
  /** A bar for a terminal; plain words otherwise. */
  bar: boolean;
}

/** "[#####-----] 5/11  elapsed 12 s  ETA 14 s": where the experiment is. */
export function progressText(progress: Progress): string {
  const { done, total, elapsedS } = progress;
  const eta = total === undefined || done === 0 ? '' : `  ETA ${Math.round((elapsedS / done) * (total - done))} s`;
  const counted = total === undefined ? `${done} runs` : `${done}/${total}`;
  if (!progress.bar || total === undefined) return `progress: ${counted}, elapsed ${Math.round(elapsedS)} s${eta}\n`;
  const width = 24;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counted}  elapsed ${Math.round(elapsedS)} s${eta}\n`;
}

export function progressLine(run: RunRecord, plannedRuns: string): string {
  const parts = [`run ${run.repetition}${plannedRuns}${run.warmup ? ' (warm-up)' : ''}`, statusText(run), `${(run.duration_ms / 1000).toFixed(3)} s`];
  const ipc = run.derived.ipc;
  if (ipc !== undefined) parts.push(`IPC ${ipc.toFixed(2)}`);
  if (run.items !== undefined) parts.push(`${formatNumber(run.items / (run.duration_ms / 1000), 1)} items/s`);
  if (run.energy_joules !== undefined) parts.push(`${formatNumber(run.energy_joules, 1)} J`);
  if (run.status !== 'RUN_STATUS_OK' && run.error !== '') parts.push(run.error);
  return `${parts.join('  ')}\n`;
}

export function summaryTable(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return '';
  const columns = tableColumns(runs);
  const header = columns.map((c) => c.title);
  const rows = runs.map((run) => columns.map((c) => format(c.value(run), c.digits)));
  const measured = runs.filter((run) => !run.warmup && run.status === 'RUN_STATUS_OK');
  const stats = columns.map((column, index) => {
    if (index < 2) return index === 0 ? 'mean ± sd' : `${measured.length} ok`;
    const values = measured.map((run) => column.value(run)).filter((v): v is number => typeof v === 'number');
    return values.length === 0 ? '' : `${format(mean(values), column.digits)} ± ${format(sd(values), column.digits)}`;
  });
  const widths = header.map((title, i) => Math.max(title.length, stats[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padStart(widths[i]!))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line), rule, line(stats), ...notes(runs)].join('\n') + '\n';
}

function tableColumns(runs: readonly RunRecord[]): Column[] {
  const columns: Column[] = [
    { title: 'run', value: (run) => `${run.repetition}${run.warmup ? 'w' : ''}`, digits: 0 },
    { title: 'status', value: statusText, digits: 0 },
    { title: 'seconds', value: (run) => run.duration_ms / 1000, digits: 3 },
  ];
  for (const [title, key, factor, digits] of DERIVED) {
    if (runs.some((run) => run.derived[key] !== undefined)) columns.push({ title, value: (run) => scaleBy(run.derived[key], factor), digits });
  }
  if (runs.some((run) => run.energy_joules !== undefined)) columns.push({ title: 'joules', value: (run) => run.energy_joules, digits: 1 });
  const metricNames = [...new Set(runs.flatMap((run) => Object.keys(run.workload_metrics)))];
  for (const name of metricNames) columns.push({ title: name, value: (run) => run.workload_metrics[name], digits: -1 });
  return columns;
}

/** What the generic cache events mean here, and which events were never counted. */
function notes(runs: readonly RunRecord[]): string[] {
  const lines: string[] = [];
  const counters = runs.flatMap((run) => run.counters);
  for (const event of architectureDependentEvents) {
    const counter = counters.find((c) => c.event === event && c.maps_to !== '' && c.status === 'COUNTER_STATUS_COUNTED');
    if (counter !== undefined)
      lines.push(`note: here ${event} counts ${counter.maps_to}; other architectures count other caches, so do not compare across them.`);
  }
  const neverCounted = [...new Set(counters.map((c) => c.event))].filter((event) =>
    counters.every((c) => c.event !== event || c.status !== 'COUNTER_STATUS_COUNTED'),
  );
  if (neverCounted.length > 0) lines.push(`not counted in any run: ${neverCounted.join(', ')}`);
  const multiplexed = [...new Set(counters.filter((c) => c.scaled_value !== undefined).map((c) => c.event))];
  if (multiplexed.length > 0) lines.push(`multiplexed (running < 100 %, scaled values are estimates): ${multiplexed.join(', ')}; --no-multiplex avoids it`);
  return lines;
}

function statusText(run: RunRecord): string {
  return run.status.replace('RUN_STATUS_', '').toLowerCase();
}

function scaleBy(value: number | undefined, factor: number): number | undefined {
  return value === undefined ? undefined : value * factor;
}

function format(value: number | string | undefined, digits: number): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return formatNumber(value, digits);
}

/** digits < 0: as the workload printed it, to six significant digits. */
function formatNumber(value: number, digits: number): string {
  if (Math.abs(value) >= 1e7) return value.toExponential(3);
  if (digits < 0) return String(Number(value.toPrecision(6)));
  return value.toFixed(digits);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sd(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}
