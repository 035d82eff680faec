import type { TopLevelSpec } from 'vega-lite';

/**
 * The report's charts as vega-lite specifications, rendered to SVG when the
 * report is made. Every axis says its unit; legends go below the plot, where
 * they cannot run off its right edge; several nodes are told apart by colour.
 */

export interface RunPoint {
  node: string;
  run: number;
  value: number;
}

export interface PowerPoint {
  series: string;
  time: string;
  watts: number;
}

export interface RunWindow {
  node: string;
  start: string;
  end: string;
}

const WIDTH = 520;
/** Power over time spans the page: the seed experiment's key figure. */
const WIDE = 1120;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const LEGEND = { orient: 'bottom', direction: 'horizontal', columns: 3, labelLimit: 260, titleLimit: 260 } as const;
/** Past this many runs a node, bars would be slivers (and the file large): one line per node instead. */
export const MAX_BARS_PER_NODE = 60;
/** Past this many runs in all, run windows are drawn as one band per node, not a rectangle each. */
export const MAX_WINDOW_RECTS = 300;

/** One bar per run, nodes side by side (the original experiment's graphs); one line per node for many runs. */
export function perRunChart(title: string, yTitle: string, points: readonly RunPoint[]): TopLevelSpec {
  const perNode = new Map<string, number>();
  for (const point of points) perNode.set(point.node, (perNode.get(point.node) ?? 0) + 1);
  const many = Math.max(...perNode.values()) > MAX_BARS_PER_NODE;
  // Counts in the billions read better as 35G than as 35,000,000,000.
  const axis = Math.max(...points.map((point) => Math.abs(point.value))) >= 1e5 ? { format: '~s' } : {};
  const color = { field: 'node', type: 'nominal', title: 'node', legend: perNode.size > 1 ? LEGEND : null } as const;
  return {
    $schema: SCHEMA,
    description: title,
    width: WIDTH,
    height: 180,
    data: { values: [...points] },
    ...(many
      ? {
          mark: { type: 'line', strokeWidth: 1 },
          encoding: {
            x: { field: 'run', type: 'quantitative', title: 'run (repetition)', axis: { tickMinStep: 1 } },
            y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false }, axis },
            color,
          },
        }
      : {
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'run', type: 'ordinal', title: 'run (repetition)', sort: null },
            xOffset: { field: 'node', type: 'nominal' },
            y: { field: 'value', type: 'quantitative', title: yTitle, axis },
            color,
          },
        }),
  };
}

/** Power over time per node, source and sensor; run windows shaded; each node's idle baseline dashed. */
export function powerChart(
  points: readonly PowerPoint[],
  windows: readonly RunWindow[],
  idleWatts: ReadonlyArray<{ node: string; watts: number }>,
): TopLevelSpec {
  // Many runs: the first start to the last end of each node, one band (a rectangle each would weigh megabytes).
  const few = windows.length <= MAX_WINDOW_RECTS;
  const shading = {
    data: { values: few ? [...windows] : spans(windows) },
    mark: { type: 'rect' as const, opacity: few ? 0.12 : 0.08, color: '#4c78a8' },
    encoding: { x: { field: 'start', type: 'temporal' as const }, x2: { field: 'end' } },
  };
  return {
    $schema: SCHEMA,
    description: 'Power over time (shaded: runs; dashed: idle baseline)',
    width: WIDE,
    height: 220,
    layer: [
      shading,
      {
        data: { values: [...idleWatts] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#555' },
        encoding: { y: { field: 'watts', type: 'quantitative' } },
      },
      {
        data: { values: [...points] },
        mark: { type: 'line', strokeWidth: 1.2 },
        encoding: {
          x: { field: 'time', type: 'temporal', title: 'time (UTC)' },
          y: { field: 'watts', type: 'quantitative', title: 'power, W', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: 'node / source / sensor', legend: LEGEND },
        },
      },
    ],
  };
}

function spans(windows: readonly RunWindow[]): RunWindow[] {
  const byNode = new Map<string, RunWindow>();
  for (const window of windows) {
    const span = byNode.get(window.node);
    byNode.set(
      window.node,
      span === undefined
        ? { ...window }
        : { node: window.node, start: window.start < span.start ? window.start : span.start, end: window.end > span.end ? window.end : span.end },
    );
  }
  return [...byNode.values()];
}
