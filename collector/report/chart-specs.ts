import type { TopLevelSpec } from 'vega-lite';

/**
 * The report's charts as vega-lite specifications. Data rows are plain
 * objects; several nodes are told apart by colour and drawn side by side.
 */

export interface RunPoint {
  node: string;
  run: string;
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

const WIDTH = 560;

/** One bar per run (per node side by side): the original experiment's graphs. */
export function perRunChart(title: string, unit: string, points: readonly RunPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: title,
    width: WIDTH,
    height: 180,
    data: { values: [...points] },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'run', type: 'ordinal', title: 'run', sort: null },
      xOffset: { field: 'node', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: unit },
      color: { field: 'node', type: 'nominal', title: 'node' },
    },
  };
}

/** Power over time per source and sensor, run windows shaded, the idle baseline as a rule. */
export function powerChart(
  points: readonly PowerPoint[],
  windows: readonly RunWindow[],
  idleWatts: ReadonlyArray<{ node: string; watts: number }>,
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: 'Power over time (shaded: runs; dashed: idle baseline)',
    width: WIDTH,
    height: 220,
    layer: [
      {
        data: { values: [...windows] },
        mark: { type: 'rect', opacity: 0.12, color: '#4c78a8' },
        encoding: { x: { field: 'start', type: 'temporal' }, x2: { field: 'end' } },
      },
      {
        data: { values: [...idleWatts] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { y: { field: 'watts', type: 'quantitative' } },
      },
      {
        data: { values: [...points] },
        mark: { type: 'line', point: false },
        encoding: {
          x: { field: 'time', type: 'temporal', title: 'time' },
          y: { field: 'watts', type: 'quantitative', title: 'watts' },
          color: { field: 'series', type: 'nominal', title: 'node / source / sensor' },
        },
      },
    ],
  };
}
