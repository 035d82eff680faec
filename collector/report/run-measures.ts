/**
 * What the report summarizes and charts for each run, each with its unit and
 * where it comes from, so that no figure is shown without saying what it
 * is: the run's wall time, the counters perf was asked for, what the
 * workload printed, energy, and figures derived from them.
 */
export type RunRow = Readonly<Record<string, string>>;

export interface Measure {
  key: string;
  title: string;
  unit: string;
  /** Where the figure comes from: "perf stat", "printed by the workload", "ipmi-dcmi/system", "derived". */
  source: string;
  kind: 'time' | 'counter' | 'metric' | 'energy' | 'derived';
  value(run: RunRow): number | undefined;
}

export interface MeasureNames {
  /** The events perf counted, in order, with perf's unit ("msec") or "" for a count. */
  counters: ReadonlyArray<{ event: string; unit: string }>;
  /** What the workload printed, as it named it. */
  metrics: readonly string[];
}

export function measuresOf(runs: readonly RunRow[], names: MeasureNames): Measure[] {
  const energySource = runs.find((run) => (run.energy_source ?? '') !== '')?.energy_source ?? 'power samples over the run';
  const measures: Measure[] = [
    { key: 'duration_s', title: 'Wall time', unit: 's', source: 'wall clock, start to end of the run', kind: 'time', value: (run) => number(run.duration_s) },
  ];
  for (const { event, unit } of names.counters) {
    measures.push({ key: event, title: event, unit: unit === '' ? 'count' : unit, source: 'perf stat', kind: 'counter', value: (run) => number(run[event]) });
  }
  for (const metric of names.metrics) {
    measures.push({
      key: `metric:${metric}`,
      title: metric,
      unit: 'as printed',
      source: 'printed by the workload',
      kind: 'metric',
      value: (run) => number(run[metric]),
    });
  }
  measures.push(
    { key: 'energy_joules', title: 'Energy', unit: 'J', source: energySource, kind: 'energy', value: (run) => number(run.energy_joules) },
    { key: 'avg_watts', title: 'Average power', unit: 'W', source: energySource, kind: 'energy', value: (run) => number(run.avg_watts) },
    {
      key: 'dynamic_energy_joules',
      title: 'Energy above idle',
      unit: 'J',
      source: energySource,
      kind: 'energy',
      value: (run) => number(run.dynamic_energy_joules),
    },
    {
      key: 'ipc',
      title: 'IPC',
      unit: 'instructions per cycle',
      source: 'derived',
      kind: 'derived',
      value: (run) => divide(number(run.instructions), number(run.cycles)),
    },
    {
      key: 'cache_miss_ratio',
      title: 'Cache-miss ratio',
      unit: '% of references',
      source: 'derived',
      kind: 'derived',
      value: (run) => percent(number(run['cache-misses']), number(run['cache-references'])),
    },
    {
      key: 'branch_miss_ratio',
      title: 'Branch-miss ratio',
      unit: '% of branches',
      source: 'derived',
      kind: 'derived',
      value: (run) => percent(number(run['branch-misses']), number(run.branches)),
    },
    { key: 'joules_per_item', title: 'Energy per item', unit: 'J/item', source: 'derived', kind: 'derived', value: (run) => number(run.joules_per_item) },
    {
      key: 'items_per_s',
      title: 'Throughput',
      unit: 'items/s',
      source: 'derived',
      kind: 'derived',
      value: (run) => divide(itemsOf(run), number(run.duration_s)),
    },
    {
      key: 'items_per_s_per_w',
      title: 'Throughput per watt',
      unit: 'items/s/W',
      source: 'derived',
      kind: 'derived',
      value: (run) => divide(divide(itemsOf(run), number(run.duration_s)), number(run.avg_watts)),
    },
  );
  return measures.filter((measure) => runs.some((run) => measure.value(run) !== undefined));
}

/** Items a run handled: as recorded, or energy over energy per item. */
function itemsOf(run: RunRow): number | undefined {
  return number(run.items) ?? divide(number(run.energy_joules), number(run.joules_per_item));
}

export function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function divide(top: number | undefined, bottom: number | undefined): number | undefined {
  return top === undefined || bottom === undefined || bottom === 0 ? undefined : top / bottom;
}

function percent(top: number | undefined, bottom: number | undefined): number | undefined {
  const share = divide(top, bottom);
  return share === undefined ? undefined : share * 100;
}
