/**
 * Parses what `perf stat` prints, in either of its formats:
 * - CSV (`-x,`): `[time,][scope,[cpus,]]value,unit,event,[variance,]run_ns,running%,metric,metric_unit`
 * - human: `[time] [scope [cpus]] count [unit] event [# metric] [( +- var% )] [(running%)]`
 * with or without -I, -r, --per-core, -A, --summary. Pure: text in, rows out.
 *
 * Rows only; footers (time elapsed, user, sys), headers and whatever else
 * shares the stream (the workload's output, "Monitoring paused") are skipped.
 */

export type CounterRowStatus = 'counted' | 'not_counted' | 'not_supported';

export interface PerfStatRow {
  event: string;
  /** As perf printed it, in `unit`; null when not counted or not supported. */
  value: number | null;
  unit: string;
  status: CounterRowStatus;
  /** Share of the time the counter was on the PMU; 0 when it never ran. */
  running_percent: number;
  time_s?: number;
  scope?: string;
  variance_percent?: number;
  /** With -G: the cgroup the row counted. */
  cgroup?: string;
  metric_value?: number;
  metric_unit?: string;
}

export type PerfStatParse = { ok: true; rows: PerfStatRow[] } | { ok: false; error: string };

const NOT_COUNTED = '<not counted>';
const NOT_SUPPORTED = '<not supported>';

export function parsePerfStat(text: string): PerfStatParse {
  const lines = text.split(/\r?\n/);
  const decimalMark = detectDecimalMark(lines);
  const rows: PerfStatRow[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      attachContinuation(rows.at(-1), trimmed, decimalMark);
      continue;
    }
    const row = isCsvLine(line) ? parseCsvLine(line) : parseHumanLine(line, decimalMark);
    if (row && isReadable(row)) rows.push(row);
  }
  if (rows.length > 0) return { ok: true, rows };
  return { ok: false, error: describeFailure(lines) };
}

/**
 * A row whose count or running share did not read as a finite number (a
 * mangled line, a locale mixed up) is not a row; optional figures that did
 * not read are left out.
 */
function isReadable(row: PerfStatRow): boolean {
  if (row.value !== null && !Number.isFinite(row.value)) return false;
  if (!Number.isFinite(row.running_percent)) return false;
  for (const field of ['time_s', 'variance_percent', 'metric_value'] as const) {
    if (row[field] !== undefined && !Number.isFinite(row[field])) delete row[field];
  }
  return true;
}

/** perf's own words when it reported an error, else the first line it printed. */
function describeFailure(lines: string[]): string {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('# started on'));
  const errorIndex = meaningful.findIndex((l) => /^(Error|Workload failed|event syntax error|Cannot|Failed|perf: )/i.test(l));
  // perf often prints a bare "Error:" and the reason on the next line.
  const errorLine = meaningful[errorIndex] === 'Error:' && errorIndex + 1 < meaningful.length ? `Error: ${meaningful[errorIndex + 1]}` : meaningful[errorIndex];
  const quoted = errorLine ?? meaningful[0];
  if (quoted === undefined) return 'perf stat printed no counters (empty output)';
  return `perf stat printed no counters: "${quoted}"`;
}

// ---------------------------------------------------------------- CSV
//
// perf's CSV printer (tools/perf/util/stat-display.c) writes a counter row as
//   [time,] [scope,[cpus,]] value, unit, event, [cgroup,] [variance%,] run_ns, running%, metric, metric_unit
// where time comes with -I (or "summary" for --summary totals), the scope with
// an aggregation (CPU3 with -A; S0-D0-C1,2 with --per-core; S0,8 per socket;
// S0-D0,8 per die; N0,8 per node; comm-tid with --per-thread; S0-D0-L3-ID0,4
// per cache), the value is a count or "<not counted>"/"<not supported>" (with
// the event's unit on newer perf, an empty unit on older), the cgroup with -G,
// the variance with -r, and the metric columns only on newer perf.

/** perf's CSV rows never contain runs of spaces outside a right-aligned leading timestamp. */
function isCsvLine(line: string): boolean {
  const body = line.trimStart();
  return body.split(',').length >= 3 && !/\s{2,}/.test(body.trimEnd());
}

function parseCsvLine(line: string): PerfStatRow | undefined {
  const fields = line.trim().split(',');
  // Find where value, unit and event start: the prefix (time, scope, cpus) varies, and must read as one.
  for (let valueIndex = 0; valueIndex + 2 < fields.length && valueIndex <= MAX_CSV_PREFIX; valueIndex++) {
    const value = fields[valueIndex]!.trim();
    const unit = fields[valueIndex + 1]!.trim();
    const eventStart = fields[valueIndex + 2]!.trim();
    if (!isCsvValue(value) || !isCsvUnit(unit) || !isEventName(eventStart)) continue;
    const prefix = fields.slice(0, valueIndex).map((f) => f.trim());
    if (!isCsvPrefix(prefix)) continue;
    const { event, next } = joinEventFields(fields, valueIndex + 2);
    const rest = fields.slice(next).map((f) => f.trim());
    return buildCsvRow(value, unit, event, prefix, rest);
  }
  return undefined; // metric-only rows (",,,,,0.04,stalled cycles per insn") and non-perf lines
}

/** Time, scope and the scope's CPU count: at most three fields before the value. */
const MAX_CSV_PREFIX = 3;

function isCsvValue(field: string): boolean {
  return field === NOT_COUNTED || field === NOT_SUPPORTED || /^-?\d+(\.\d+)?$/.test(field);
}

/** A unit is a word ("msec", "Joules", "MiB", "%"), or empty; never a number nor perf's markers. */
function isCsvUnit(field: string): boolean {
  return field === '' || (!isNumber(field) && !field.startsWith('<') && /^[^\s,]+$/.test(field));
}

/** [time | "summary"] [scope [cpus]], each as perf writes it. */
function isCsvPrefix(prefix: readonly string[]): boolean {
  let index = 0;
  if (prefix[index] !== undefined && (/^\d+\.\d+$/.test(prefix[index]!) || prefix[index] === 'summary')) index++;
  if (prefix[index] !== undefined) {
    if (!isScope(prefix[index]!)) return false;
    index++;
    if (prefix[index] !== undefined && /^\d+$/.test(prefix[index]!)) index++;
  }
  return index === prefix.length;
}

/** CPU3, S0, S0-D0, S0-D0-C1, S0-C1, S0-D0-L3-ID0, S0-D0-CLS1, N0, or a thread's comm-tid. */
function isScope(token: string): boolean {
  return /^(CPU\d+|N\d+|S\d+(-D\d+)?(-C\d+|-CLS\d+|-L\d+-ID\d+)?)$/.test(token) || /^[^\s,]+-\d+$/.test(token);
}

/** Event names may contain commas inside a PMU's slashes: `hv_24x7/pm_pb_cyc,chip=0/`. */
function joinEventFields(fields: string[], start: number): { event: string; next: number } {
  let event = fields[start]!.trim();
  let next = start + 1;
  while (countSlashes(event) % 2 === 1 && next < fields.length) {
    event += `,${fields[next]!}`;
    next++;
  }
  return { event, next };
}

function countSlashes(text: string): number {
  return text.split('/').length - 1;
}

function buildCsvRow(value: string, unit: string, event: string, prefix: string[], rest: string[]): PerfStatRow {
  const row: PerfStatRow = { event, value: null, unit, status: statusOf(value), running_percent: 0 };
  if (row.status === 'counted') row.value = Number(value);
  applyPrefix(row, prefix);
  // With -G, the cgroup comes right after the event: the one field there that is not a figure.
  if (rest[0] !== undefined && rest[0] !== '' && !isNumber(rest[0]) && !isPercent(rest[0])) {
    row.cgroup = rest.shift()!;
  }
  // With -r, a variance ("0.43%") comes next.
  if (rest[0] !== undefined && isPercent(rest[0])) {
    row.variance_percent = Number(rest.shift()!.slice(0, -1));
  }
  const [, runningPercent, metricValue, metricUnit] = rest;
  row.running_percent = row.status === 'not_supported' ? 0 : numberOr(runningPercent, row.status === 'counted' ? 100 : 0);
  if (metricValue !== undefined && isNumber(metricValue)) {
    row.metric_value = Number(metricValue);
    row.metric_unit = metricUnit ?? '';
  }
  return row;
}

function isPercent(field: string): boolean {
  return /^-?\d+(\.\d+)?%$/.test(field);
}

// ---------------------------------------------------------------- human

const VARIANCE = /\(\s*\+-\s*([\d.,]+)\s*%\s*\)/;
const RUNNING = /\((\d+(?:[.,]\d+)?)%\)/;
const FOOTER = /\bseconds\s+(time elapsed|user|sys)\b/;

function parseHumanLine(line: string, decimalMark: string): PerfStatRow | undefined {
  if (FOOTER.test(line)) return undefined;
  const hash = line.indexOf(' #');
  const counting = (hash === -1 ? line : line.slice(0, hash))
    .replace(VARIANCE, ' ')
    .replace(RUNNING, ' ')
    .replace(NOT_COUNTED, '<not_counted>')
    .replace(NOT_SUPPORTED, '<not_supported>');
  // Split on ASCII blanks only: U+202F inside "3 202,39" is a thousands separator.
  const tokens = counting.trim().split(/[ \t]+/);
  // Old perf writes the unit after the event: "task-clock (msec)".
  let unit = '';
  const last = tokens.at(-1);
  if (last !== undefined && /^\(\w+\)$/.test(last)) {
    unit = last.slice(1, -1);
    tokens.pop();
  }
  // "cycles [armv8_cortex_a53]": the PMU perf names beside an event it counted on several.
  const pmuSuffix = tokens.length >= 2 && /^\[[\w.-]+\]$/.test(tokens.at(-1)!) ? ` ${tokens.pop()!}` : '';
  const popped = tokens.pop();
  const event = popped === undefined ? undefined : popped + pmuSuffix;
  if (event === undefined || !isEventName(event)) return undefined;
  let countIndex = tokens.length - 1;
  if (countIndex >= 1 && !isHumanCount(tokens[countIndex]!) && /^[A-Za-z]+$/.test(tokens[countIndex]!)) {
    unit = tokens[countIndex]!;
    countIndex--;
  }
  const count = tokens[countIndex];
  if (count === undefined || !isHumanCount(count)) return undefined;
  const prefix = tokens.slice(0, countIndex);
  if (prefix.some((token) => !isPrefixToken(token))) return undefined;

  const status = statusOf(count.replace('_', ' '));
  const row: PerfStatRow = { event, value: null, unit, status, running_percent: 0 };
  if (status === 'counted') row.value = parseLocaleNumber(count, decimalMark);
  applyPrefix(
    row,
    prefix.map((token) => (isTimestamp(token) ? token.replace(',', '.') : token)),
  );
  const tail = hash === -1 ? line : line.slice(hash);
  applyParentheses(row, line, decimalMark);
  if (hash !== -1) applyMetric(row, tail.slice(2), decimalMark);
  return row;
}

function isHumanCount(token: string): boolean {
  return token === '<not_counted>' || token === '<not_supported>' || /^\d[\d.,\u202f\u00a0']*$/.test(token);
}

function isPrefixToken(token: string): boolean {
  return isTimestamp(token) || isScope(token) || /^\d+$/.test(token);
}

function isTimestamp(token: string): boolean {
  return /^\d+[.,]\d{6,}$/.test(token);
}

/** The "(running%)" and "( +- variance% )" groups of a row. */
function applyParentheses(row: PerfStatRow, line: string, decimalMark: string): void {
  const running = RUNNING.exec(line);
  if (running) row.running_percent = parseLocaleNumber(running[1]!, decimalMark);
  else if (row.status === 'counted') row.running_percent = 100;
  if (row.status === 'not_supported') row.running_percent = 0;
  const variance = VARIANCE.exec(line);
  if (variance) row.variance_percent = parseLocaleNumber(variance[1]!, decimalMark);
}

/** "#    1.213 CPUs utilized  (99.88%)" -> 1.213, "CPUs utilized". */
function applyMetric(row: PerfStatRow, comment: string, decimalMark: string): void {
  const text = comment.replace(VARIANCE, '').replace(RUNNING, '').trim();
  const match = /^(-?\d+(?:[.,]\d+)?)\s*(.*)$/.exec(text);
  if (!match) return;
  row.metric_value = parseLocaleNumber(match[1]!, decimalMark);
  row.metric_unit = match[2]!.trim();
}

/** A continuation line ("#  0.23 stalled cycles per insn ( +- 0.07% ) (33.48%)") belongs to the row above. */
function attachContinuation(previous: PerfStatRow | undefined, line: string, decimalMark: string): void {
  if (previous === undefined) return;
  const running = RUNNING.exec(line);
  const variance = VARIANCE.exec(line);
  if (running && previous.status === 'counted') previous.running_percent = parseLocaleNumber(running[1]!, decimalMark);
  if (variance && previous.variance_percent === undefined) {
    previous.variance_percent = parseLocaleNumber(variance[1]!, decimalMark);
  }
}

/**
 * The locale's decimal mark, read where perf uses printf("%f") without
 * grouping: metrics after '#', percentages and the elapsed-time footer.
 */
function detectDecimalMark(lines: string[]): string {
  for (const line of lines) {
    const match = /#\s+-?\d+([.,])\d+\s/.exec(line) ?? /^\s*\d+([.,])\d+\s+(\+-\s+\S+\s+)?seconds time elapsed/.exec(line);
    if (match) return match[1]!;
  }
  return '.';
}

/** Drops every grouping character (`,` `.` U+202F U+00A0 `'`) other than the decimal mark. */
function parseLocaleNumber(text: string, decimalMark: string): number {
  let normalized = '';
  for (const char of text) {
    if (char >= '0' && char <= '9') normalized += char;
    else if (char === decimalMark) normalized += '.';
    else if (char === '-' && normalized === '') normalized += char;
  }
  return Number(normalized);
}

// ---------------------------------------------------------------- shared

function statusOf(value: string): CounterRowStatus {
  if (value === NOT_COUNTED) return 'not_counted';
  if (value === NOT_SUPPORTED) return 'not_supported';
  return 'counted';
}

/** An event as perf names it; one counted on several PMUs of the same kind is "cycles [armv8_cortex_a53]". */
function isEventName(token: string): boolean {
  return /^[A-Za-z_][\w.:@=,/-]*( \[[\w.-]+\])?$/.test(token) && !/^(seconds|Performance|Error)$/.test(token);
}

function isNumber(text: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(text.trim());
}

function numberOr(text: string | undefined, fallback: number): number {
  return text !== undefined && isNumber(text) ? Number(text) : fallback;
}

/** Leading fields: an interval timestamp, then a scope (CPU0, S0-D0-C0) and its CPU count. */
function applyPrefix(row: PerfStatRow, prefix: string[]): void {
  let index = 0;
  if (prefix[index] !== undefined && /^\d+\.\d+$/.test(prefix[index]!)) {
    row.time_s = Number(prefix[index]);
    index++;
  } else if (prefix[index] === 'summary') {
    index++;
  }
  if (prefix[index] !== undefined && prefix[index] !== '') {
    row.scope = prefix[index]!;
  }
}
