import type { NodeInfo } from '../../proto/records.js';
import { compareNodes, figureNames } from './node-comparison.js';
import { perRunChart, powerChart, type PowerPoint, type RunPoint, type RunWindow } from './chart-specs.js';
import { renderSvg } from './render-svg.js';

/** What a report is made of: the rows of runs.csv and power.csv, and what Redis knows about the nodes. */
export interface ReportInput {
  runs: ReadonlyArray<Record<string, string>>;
  power: ReadonlyArray<Record<string, string>>;
  nodes: readonly NodeInfo[];
  /** Warnings worth a reader's attention (architectures mixed, ...). */
  notes: readonly string[];
  /** What each generic event counted on each architecture (from the runs' records). */
  eventMeanings: ReadonlyArray<{ arch: string; event: string; countedAs: string }>;
  generatedAt: Date;
}

/** The original experiment's seven graphs: six counters and the time per test. */
const ORIGINAL_COUNTERS = ['cycles', 'instructions', 'cache-references', 'cache-misses', 'branches', 'branch-misses'];

interface Chart {
  title: string;
  caption?: string;
  svg: string;
}

/**
 * One self-contained HTML page: SVG charts rendered now (vega-lite), the
 * notes, a fingerprint table per node and the runs. Nothing is loaded from
 * anywhere when it is opened.
 */
export async function buildReport(input: ReportInput): Promise<string> {
  const runs = input.runs.filter((run) => run.warmup !== 'true');
  const charts: Chart[] = [];
  const missing: string[] = [];
  const perRun = async (title: string, unit: string, value: (run: Record<string, string>) => number | undefined): Promise<void> => {
    const points: RunPoint[] = runs.flatMap((run) => {
      const v = value(run);
      return v === undefined || !Number.isFinite(v) ? [] : [{ node: run.node ?? '', run: run.repetition ?? '', value: v }];
    });
    if (points.length === 0) missing.push(title);
    else charts.push({ title, svg: await renderSvg(perRunChart(title, unit, points)) });
  };

  for (const event of ORIGINAL_COUNTERS) await perRun(capitalize(event), 'count', (run) => number(run[event]));
  await perRun('Time Elapsed', 'seconds', (run) => number(run.duration_s));
  // Every other counter and workload metric the runs carry: the columns after exit_code.
  for (const column of otherColumns(runs)) {
    if (runs.some((run) => number(run[column]) !== undefined)) await perRun(column, 'as recorded', (run) => number(run[column]));
  }
  await perRun('IPC (instructions per cycle)', 'ratio', (run) => ratio(run.instructions, run.cycles));
  await perRun('Cache-miss ratio', 'misses / references', (run) => ratio(run['cache-misses'], run['cache-references']));
  await perRun('Branch-miss ratio', 'misses / branches', (run) => ratio(run['branch-misses'], run.branches));
  await perRun('Energy per run', 'joules', (run) => number(run.energy_joules));
  await perRun('Energy per item', 'joules per item', (run) => number(run.joules_per_item));
  if (input.power.length > 0) {
    charts.push({
      title: 'Power over time',
      caption: 'shaded: runs; dashed: idle baseline',
      svg: await renderSvg(powerChart(powerPoints(input.power), runWindows(input.runs), idleBaselines(input.runs))),
    });
  } else missing.push('Power over time');

  return page({ ...input, notes: [...input.notes, ...emulatedPmuNotes(input)] }, charts, missing);
}

/** Runs counted on an emulated PMU are said to be, per node: their cycles are time, their IPC means nothing. */
function emulatedPmuNotes(input: ReportInput): string[] {
  const counts = new Map<string, number>();
  for (const run of input.runs) if (run.pmu_emulated === 'true') counts.set(run.node ?? '', (counts.get(run.node ?? '') ?? 0) + 1);
  return [...counts].map(([node, runs]) => {
    const why = input.nodes.find((n) => n.node_id === node)?.pmu_emulation;
    return `Emulated PMU: the ${runs} run${runs === 1 ? '' : 's'} of ${node} counted on an emulated PMU${why ? ` (${why})` : " (QEMU's TCG)"}. Their cycles are elapsed time, not a pipeline: IPC and miss ratios from them describe the emulator, not a processor.`;
  });
}

/** Columns of runs.csv past the fixed ones, less the seven above and the energy columns. */
function otherColumns(runs: ReadonlyArray<Record<string, string>>): string[] {
  const columns = Object.keys(runs[0] ?? {});
  const after = columns.slice(columns.indexOf('exit_code') + 1);
  return after.filter(
    (column) =>
      !ORIGINAL_COUNTERS.includes(column) &&
      column !== 'warmup' &&
      column !== 'pmu_emulated' &&
      !/(^|_)(energy_joules|avg_watts|idle_watts|joules_per_item|uncertainty_joules)$/.test(column),
  );
}

function powerPoints(power: ReadonlyArray<Record<string, string>>): PowerPoint[] {
  return power.flatMap((row) => {
    const watts = number(row.watts);
    return watts === undefined ? [] : [{ series: `${row.node} / ${row.source} / ${row.sensor}`, time: row.time ?? '', watts }];
  });
}

function runWindows(runs: ReadonlyArray<Record<string, string>>): RunWindow[] {
  return runs.flatMap((run) => {
    const seconds = number(run.duration_s);
    if (run.started_at === undefined || seconds === undefined) return [];
    const start = new Date(run.started_at);
    return [{ node: run.node ?? '', start: start.toISOString(), end: new Date(start.getTime() + seconds * 1000).toISOString() }];
  });
}

function idleBaselines(runs: ReadonlyArray<Record<string, string>>): Array<{ node: string; watts: number }> {
  const byNode = new Map<string, number>();
  for (const run of runs) {
    const idle = number(run.idle_watts);
    if (idle !== undefined && run.node !== undefined) byNode.set(run.node, idle);
  }
  return [...byNode].map(([node, watts]) => ({ node, watts }));
}

function page(input: ReportInput, charts: readonly Chart[], missing: readonly string[]): string {
  const nodes = [...new Set(input.runs.map((run) => run.node ?? ''))];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>powerprof report</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1280px; color: #222; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(620px, 1fr)); gap: 1.5rem; }
  figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
  table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
  th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
  .note { background: #fff6d6; border-left: 4px solid #e0b000; padding: .5rem .75rem; margin: .5rem 0; }
  .muted { color: #777; }
</style>
</head>
<body>
<h1>powerprof report</h1>
<p class="muted">${input.runs.length} runs on ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${nodes.map(escapeHtml).join(', ')}); ${input.power.length} power samples; generated ${escapeHtml(input.generatedAt.toISOString())}.</p>
${input.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('\n')}
<div class="charts">
${charts.map((chart) => `<figure class="chart" data-title="${escapeHtml(chart.title)}"><figcaption>${escapeHtml(chart.title)}${chart.caption === undefined ? '' : ` <span class="muted">(${escapeHtml(chart.caption)})</span>`}</figcaption>${chart.svg}</figure>`).join('\n')}
</div>
${missing.length > 0 ? `<p class="muted">No data for: ${missing.map(escapeHtml).join(', ')} (not counted or not measured on these nodes).</p>` : ''}
${comparisonTable(input.runs)}
${meaningsTable(input.eventMeanings)}
${fingerprintTable(input.nodes)}
<h2>Runs</h2>
${table(input.runs)}
</body>
</html>
`;
}

/** The nodes side by side, outliers marked (more than 20 % off the nodes' median). */
function comparisonTable(runs: ReadonlyArray<Record<string, string>>): string {
  const rows = compareNodes(runs);
  if (rows.length < 2) return '';
  const names = figureNames().filter((name) => rows.some((row) => row.figures.get(name) !== undefined));
  const cells = rows.map((row) => ({
    node: row.node,
    runs: String(row.runs),
    ...Object.fromEntries(
      names.map((name) => {
        const value = row.figures.get(name);
        return [name, value === undefined ? '' : `${formatFigure(value)}${row.outliers.has(name) ? ' ⚠ outlier' : ''}`];
      }),
    ),
  }));
  const flagged = rows.filter((row) => row.outliers.size > 0);
  const summary =
    flagged.length === 0
      ? 'No node is more than 20 % off the median.'
      : `Outliers (more than 20 % off the nodes' median): ${flagged.map((row) => `${row.node} (${[...row.outliers].join(', ')})`).join('; ')}.`;
  return `<h2>Nodes side by side</h2>\n<p class="muted">Medians over each node's measured runs. ${escapeHtml(summary)}</p>\n${table(cells)}`;
}

function formatFigure(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function meaningsTable(meanings: ReportInput['eventMeanings']): string {
  if (meanings.length === 0) return '';
  return `<h2>What the generic events counted</h2>\n${table(meanings.map((m) => ({ architecture: m.arch, event: m.event, 'counted as': m.countedAs })))}`;
}

function fingerprintTable(nodes: readonly NodeInfo[]): string {
  if (nodes.length === 0) return '';
  const rows = nodes.map((n) => ({
    node: n.node_id,
    arch: n.arch,
    'CPU model': n.cpu_model,
    CPUs: `${n.online_cpus}/${n.cpus}`,
    'threads/core': String(n.threads_per_core),
    'cores/socket': String(n.cores_per_socket),
    sockets: String(n.sockets),
    'NUMA nodes': String(n.numa_nodes),
    kernel: n.kernel,
    perf: n.perf_version,
    agent: n.agent_version,
    PMU: n.pmu_emulation ? 'emulated' : '',
  }));
  return `<h2>Nodes</h2>\n${table(rows)}`;
}

function table(rows: ReadonlyArray<Record<string, string>>): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  const columns = Object.keys(rows[0]!);
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${columns.map((c) => `<td>${escapeHtml(row[c] ?? '')}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function ratio(top: string | undefined, bottom: string | undefined): number | undefined {
  const t = number(top);
  const b = number(bottom);
  return t === undefined || b === undefined || b === 0 ? undefined : t / b;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
