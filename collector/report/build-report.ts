import type { NodeInfo } from '../../proto/records.js';
import { compareNodes, figureNames } from './node-comparison.js';
import { perRunChart, powerChart, type PowerPoint, type RunPoint, type RunWindow } from './chart-specs.js';
import { measuresOf, number, type Measure, type MeasureNames, type RunRow } from './run-measures.js';
import { isConstant, summarize, type Summary } from './run-statistics.js';
import { renderSvg } from './render-svg.js';

/** What a report is made of: the rows of runs.csv and power.csv, what was counted, and what Redis knows about the nodes. */
export interface ReportInput {
  runs: readonly RunRow[];
  power: readonly RunRow[];
  /** The events perf was asked for and what the workloads printed: only these are charted. */
  names: MeasureNames;
  nodes: readonly NodeInfo[];
  /** Warnings worth a reader's attention (architectures mixed, ...). */
  notes: readonly string[];
  /** What each generic event counted on each architecture (from the runs' records). */
  eventMeanings: ReadonlyArray<{ arch: string; event: string; countedAs: string }>;
  generatedAt: Date;
}

interface Chart {
  title: string;
  caption: string;
  svg: string;
  /** Across the whole page (power over time, the seed's key figure). */
  wide?: boolean;
}

/** Measures charted per run (each counter, wall time, what the workload printed, energy, J/item, IPC); the rest are in the tables. */
const CHARTED = new Set(['time', 'counter', 'metric']);
const CHARTED_KEYS = new Set(['energy_joules', 'joules_per_item', 'ipc']);
/** The runs table lists this many at most; runs.csv has them all. */
const MAX_RUN_ROWS = 300;

/**
 * One self-contained HTML page: per workload and node a summary table first
 * (n, mean, spread, 95 % interval, outliers, derived figures), then the
 * original experiment's figures (each counter per run, time per run, power
 * over time with the runs shaded and the idle baseline drawn, energy per
 * run), the nodes side by side, and the runs. SVG rendered now; nothing is
 * loaded when it is opened; each chart can be saved as an SVG file.
 */
export async function buildReport(input: ReportInput): Promise<string> {
  const measured = input.runs.filter((run) => run.warmup !== 'true' && run.status === 'ok');
  const workloads = [...new Set(measured.map((run) => run.workload ?? ''))].sort();
  const sections: string[] = [];
  for (const workload of workloads) {
    const runs = measured.filter((run) => (run.workload ?? '') === workload);
    const measures = measuresOf(runs, input.names);
    const nodes = [...new Set(runs.map((run) => run.node ?? ''))].sort();
    const summaries = nodes
      .map((node) =>
        summaryTable(
          workload,
          node,
          runs.filter((run) => run.node === node),
          measures,
        ),
      )
      .join('\n');
    const charts: Chart[] = [];
    const constants: string[] = [];
    for (const measure of measures) {
      if (!CHARTED.has(measure.kind) && !CHARTED_KEYS.has(measure.key)) continue;
      const points: RunPoint[] = runs.flatMap((run) => {
        const value = measure.value(run);
        return value === undefined ? [] : [{ node: run.node ?? '', run: number(run.repetition) ?? 0, value }];
      });
      if (isConstant(points.map((point) => point.value))) {
        constants.push(
          `${measure.title} = ${formatNumber(points[0]!.value)} ${measure.unit === 'as printed' || measure.unit === 'count' ? '' : measure.unit}`.trim(),
        );
        continue;
      }
      charts.push({
        title: `${measure.title} per run`,
        caption: measure.source,
        svg: await renderSvg(perRunChart(`${measure.title} per run`, `${measure.title}, ${measure.unit}`, points)),
      });
    }
    sections.push(`<section class="workload">
<h2>${escapeHtml(workload)}</h2>
${summaries}
${constants.length > 0 ? `<p class="muted">The same in every run (in the tables, not charted): ${constants.map(escapeHtml).join('; ')}.</p>` : ''}
<div class="charts">
${charts.map(figure).join('\n')}
</div>
</section>`);
  }
  const power =
    input.power.length > 0
      ? figure({
          title: 'Power over time',
          caption: 'shaded: runs; dashed: each node’s idle baseline',
          svg: await renderSvg(powerChart(powerPoints(input.power), runWindows(input.runs), idleBaselines(input.runs))),
          wide: true,
        })
      : '<p class="muted">No power samples: no power meter worked on these nodes ("powerprof-agent probe" says why).</p>';
  return page({ ...input, notes: [...input.notes, ...emulatedPmuNotes(input), ...leftOut(input.runs)] }, sections, power);
}

/** Runs that are not in the figures, said so. */
function leftOut(runs: readonly RunRow[]): string[] {
  const warmups = runs.filter((run) => run.warmup === 'true').length;
  const notOk = runs.filter((run) => run.warmup !== 'true' && run.status !== 'ok');
  const notes: string[] = [];
  if (warmups > 0) notes.push(`${warmups} warm-up run${warmups === 1 ? ' is' : 's are'} left out of the figures (listed below).`);
  if (notOk.length > 0) {
    const statuses = [...new Set(notOk.map((run) => run.status ?? ''))].join(', ');
    notes.push(
      `${notOk.length} run${notOk.length === 1 ? '' : 's'} that did not end ok (${statuses}) ${notOk.length === 1 ? 'is' : 'are'} left out of the figures (listed below).`,
    );
  }
  return notes;
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

/** Per workload and node: every measure's n, mean, spread, 95 % interval and outliers, and whether the runs agree. */
function summaryTable(workload: string, node: string, runs: readonly RunRow[], measures: readonly Measure[]): string {
  const rows: Array<Record<string, string>> = [];
  let wallTime: Summary | undefined;
  for (const measure of measures) {
    const values: number[] = [];
    const repetitions: string[] = [];
    for (const run of runs) {
      const value = measure.value(run);
      if (value === undefined) continue;
      values.push(value);
      repetitions.push(run.repetition ?? '?');
    }
    const summary = summarize(values);
    if (summary === undefined) continue;
    if (measure.key === 'duration_s') wallTime = summary;
    rows.push({
      measure: measure.title,
      unit: measure.unit,
      from: measure.source,
      n: String(summary.n),
      mean: formatNumber(summary.mean),
      sd: formatNumber(summary.sd),
      CV: summary.cv === undefined ? '' : `${(summary.cv * 100).toFixed(1)} %`,
      '95 % CI of the mean': summary.ci95 === undefined ? '' : `± ${formatNumber(summary.ci95)}`,
      min: formatNumber(summary.min),
      max: formatNumber(summary.max),
      outliers: summary.outliers.map((index) => `run ${repetitions[index]}`).join(', '),
    });
  }
  return `<h3>${escapeHtml(workload)} on ${escapeHtml(node)}: ${runs.length} run${runs.length === 1 ? '' : 's'}</h3>
${agreement(runs.length, wallTime)}
<div class="scroll">${table(rows)}</div>`;
}

/** One sentence on whether the runs agree: the spread of their wall time, and how well its mean is known. */
function agreement(runs: number, wallTime: Summary | undefined): string {
  if (wallTime === undefined || runs < 2 || wallTime.cv === undefined) return '<p class="muted">One run: no spread to judge.</p>';
  const cv = wallTime.cv * 100;
  const ci = ((wallTime.ci95 ?? 0) / wallTime.mean) * 100;
  const outliers = wallTime.outliers.length;
  const verdict = cv <= 5 && outliers === 0 ? 'The runs agree' : 'The runs do not agree';
  return `<p class="verdict ${cv <= 5 && outliers === 0 ? 'agree' : 'disagree'}">${verdict}: wall time varies by ${cv.toFixed(1)} % (coefficient of variation), its mean is known to ± ${ci.toFixed(1)} % (95 %)${outliers > 0 ? `, and ${outliers} run${outliers === 1 ? ' stands' : 's stand'} apart` : ''}.</p>`;
}

function powerPoints(power: readonly RunRow[]): PowerPoint[] {
  return power.flatMap((row) => {
    const watts = number(row.watts);
    return watts === undefined ? [] : [{ series: `${row.node} / ${row.source} / ${row.sensor}`, time: row.time ?? '', watts }];
  });
}

function runWindows(runs: readonly RunRow[]): RunWindow[] {
  return runs.flatMap((run) => {
    const seconds = number(run.duration_s);
    if (run.started_at === undefined || seconds === undefined) return [];
    const start = new Date(run.started_at);
    return [{ node: run.node ?? '', start: start.toISOString(), end: new Date(start.getTime() + seconds * 1000).toISOString() }];
  });
}

function idleBaselines(runs: readonly RunRow[]): Array<{ node: string; watts: number }> {
  const byNode = new Map<string, number>();
  for (const run of runs) {
    const idle = number(run.idle_watts);
    if (idle !== undefined && run.node !== undefined) byNode.set(run.node, idle);
  }
  return [...byNode].map(([node, watts]) => ({ node, watts }));
}

function figure(chart: Chart): string {
  const file = `${chart.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.svg`;
  return `<figure class="chart${chart.wide === true ? ' wide' : ''}" data-title="${escapeHtml(chart.title)}"><figcaption>${escapeHtml(chart.title)} <span class="muted">(${escapeHtml(chart.caption)})</span> <button type="button" class="save" data-file="${escapeHtml(file)}" title="save this chart as an SVG file">SVG</button></figcaption>${chart.svg}</figure>`;
}

/** Power from a simulated BMC is said to be, in the title. */
function titleOf(input: ReportInput): string {
  const simulated =
    input.power.some((row) => (row.source ?? '').includes('simulated')) || input.runs.some((run) => (run.energy_source ?? '').includes('simulated'));
  return simulated ? 'powerprof report — power from a SIMULATED BMC (not a measurement)' : 'powerprof report';
}

function page(input: ReportInput, sections: readonly string[], power: string): string {
  const nodes = [...new Set(input.runs.map((run) => run.node ?? ''))];
  const title = titleOf(input);
  const runRows = input.runs.slice(0, MAX_RUN_ROWS);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1280px; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap: 1.5rem; margin-top: 1rem; }
  figure { margin: 0; min-width: 0; } figure.wide { grid-column: 1 / -1; } figcaption { font-weight: 600; margin-bottom: .25rem; }
  figure svg { max-width: 100%; height: auto; display: block; }
  button.save { font-size: 11px; padding: 0 .4rem; margin-left: .25rem; cursor: pointer; }
  .scroll { max-width: 100%; overflow-x: auto; }
  table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
  th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
  .note { background: #fff6d6; border-left: 4px solid #e0b000; padding: .5rem .75rem; margin: .5rem 0; }
  .verdict { margin: .25rem 0; } .agree { color: #1a6b2a; } .disagree { color: #a33; }
  .muted { color: #666; font-weight: normal; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${input.runs.length} runs on ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${nodes.map(escapeHtml).join(', ')}); ${input.power.length} power samples; generated ${escapeHtml(input.generatedAt.toISOString())}.</p>
${input.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('\n')}
${sections.join('\n')}
<h2>Power over time</h2>
<div class="charts">${power}</div>
${comparisonTable(input.runs)}
${meaningsTable(input.eventMeanings)}
${fingerprintTable(input.nodes)}
<h2>Runs</h2>
${input.runs.length > MAX_RUN_ROWS ? `<p class="muted">The first ${MAX_RUN_ROWS} of ${input.runs.length}; runs.csv (powerprof-collector export) has them all.</p>` : ''}
<div class="scroll">${table(runRows)}</div>
<script>
  // "SVG" beside a chart saves it as a file: the chart as drawn, for a paper or a slide.
  for (const button of document.querySelectorAll('button.save')) {
    button.addEventListener('click', () => {
      const svg = button.closest('figure').querySelector('svg').cloneNode(true);
      svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([svg.outerHTML], { type: 'image/svg+xml' }));
      link.download = button.dataset.file;
      link.click();
      URL.revokeObjectURL(link.href);
    });
  }
</script>
</body>
</html>
`;
}

/** The nodes side by side, outliers marked (more than 20 % off the nodes' median). */
function comparisonTable(runs: readonly RunRow[]): string {
  const rows = compareNodes(runs);
  if (rows.length < 2) return '';
  const names = figureNames().filter((name) => rows.some((row) => row.figures.get(name) !== undefined));
  const cells = rows.map((row) => ({
    node: row.node,
    runs: String(row.runs),
    ...Object.fromEntries(
      names.map((name) => {
        const value = row.figures.get(name);
        return [name, value === undefined ? '' : `${formatNumber(value)}${row.outliers.has(name) ? ' ⚠ outlier' : ''}`];
      }),
    ),
  }));
  const flagged = rows.filter((row) => row.outliers.size > 0);
  const summary =
    flagged.length === 0
      ? 'No node is more than 20 % off the median.'
      : `Outliers (more than 20 % off the nodes' median): ${flagged.map((row) => `${row.node} (${[...row.outliers].join(', ')})`).join('; ')}.`;
  return `<h2>Nodes side by side</h2>\n<p class="muted">Medians over each node's measured runs. ${escapeHtml(summary)}</p>\n<div class="scroll">${table(cells)}</div>`;
}

/** Four significant figures, without exponent for everyday magnitudes. */
function formatNumber(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return Number(value.toPrecision(4)).toExponential();
  return Number(value.toPrecision(4)).toString();
}

function meaningsTable(meanings: ReportInput['eventMeanings']): string {
  if (meanings.length === 0) return '';
  return `<h2>What the generic events counted</h2>\n<div class="scroll">${table(meanings.map((m) => ({ architecture: m.arch, event: m.event, 'counted as': m.countedAs })))}</div>`;
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
  return `<h2>Nodes</h2>\n<div class="scroll">${table(rows)}</div>`;
}

function table(rows: ReadonlyArray<Record<string, string>>): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  const columns = Object.keys(rows[0]!);
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${columns.map((c) => `<td>${escapeHtml(row[c] ?? '')}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
