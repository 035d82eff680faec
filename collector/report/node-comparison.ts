/**
 * The nodes side by side, from runs.csv rows: per node the median of each
 * figure over its measured runs, and an outlier flag where a node is more
 * than 20 % off the median of all nodes (three nodes or more).
 */
export interface NodeFigures {
  node: string;
  runs: number;
  /** Figure name -> the node's median; undefined where not measured. */
  figures: Map<string, number | undefined>;
  outliers: Set<string>;
}

export const OUTLIER_SHARE = 0.2;

const FIGURES: Array<[string, (run: Record<string, string>) => number | undefined]> = [
  ['seconds per run', (run) => number(run.duration_s)],
  ['items/s', (run) => divide(number(run.items), number(run.duration_s))],
  ['J/item', (run) => number(run.joules_per_item)],
  ['IPC', (run) => divide(number(run.instructions), number(run.cycles))],
  ['avg W', (run) => number(run.avg_watts)],
];

export function compareNodes(runs: ReadonlyArray<Record<string, string>>): NodeFigures[] {
  const byNode = new Map<string, Array<Record<string, string>>>();
  for (const run of runs) {
    if (run.warmup === 'true' || run.status !== 'ok') continue;
    byNode.set(run.node ?? '', [...(byNode.get(run.node ?? '') ?? []), run]);
  }
  const rows: NodeFigures[] = [...byNode]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([node, nodeRuns]) => ({
      node,
      runs: nodeRuns.length,
      figures: new Map(FIGURES.map(([name, value]) => [name, median(nodeRuns.map(value).filter((v): v is number => v !== undefined && Number.isFinite(v)))])),
      outliers: new Set<string>(),
    }));
  if (rows.length >= 3) {
    for (const [name] of FIGURES) {
      const fleet = median(rows.map((row) => row.figures.get(name)).filter((v): v is number => v !== undefined));
      if (fleet === undefined || fleet === 0) continue;
      for (const row of rows) {
        const value = row.figures.get(name);
        if (value !== undefined && Math.abs(value / fleet - 1) > OUTLIER_SHARE) row.outliers.add(name);
      }
    }
  }
  return rows;
}

export function figureNames(): string[] {
  return FIGURES.map(([name]) => name);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function divide(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}
