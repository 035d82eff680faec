/**
 * Bounds the Prometheus series one node's records can make: each distinct
 * label value (an event name, a sensor, a workload, a workload metric name)
 * counts against a cap per label, and each distinct series against a cap
 * per node, so that neither one label nor combinations of several (300
 * workloads × 300 events × 60 metric names) can grow the collector's memory
 * and /metrics without bound. A series past a cap is not made, and the
 * skip is counted; the record itself is stored regardless.
 */
export type SeriesVerdict = 'ok' | 'label_values' | 'node_series';

interface NodeSeries {
  series: Set<string>;
  values: Map<string, Set<string>>;
}

export class SeriesBudget {
  private readonly nodes = new Map<string, NodeSeries>();

  constructor(
    private readonly maxValuesPerLabel: number,
    private readonly maxSeriesPerNode: number,
  ) {}

  /** Whether the series may exist: one the node has already is always fine. */
  admit(node: string, metric: string, labels: Readonly<{ [label: string]: string }>): SeriesVerdict {
    const known = this.nodes.get(node) ?? { series: new Set<string>(), values: new Map<string, Set<string>>() };
    this.nodes.set(node, known);
    const key = `${metric}\u0000${Object.values(labels).join('\u0000')}`;
    if (known.series.has(key)) return 'ok';
    for (const [label, value] of Object.entries(labels)) {
      if (label === 'node') continue;
      const values = known.values.get(label);
      if (values !== undefined && !values.has(value) && values.size >= this.maxValuesPerLabel) return 'label_values';
    }
    if (known.series.size >= this.maxSeriesPerNode) return 'node_series';
    known.series.add(key);
    for (const [label, value] of Object.entries(labels)) {
      if (label === 'node') continue;
      const values = known.values.get(label) ?? new Set<string>();
      values.add(value);
      known.values.set(label, values);
    }
    return 'ok';
  }

  /** Forgets a node: its series are gone. */
  forget(node: string): void {
    this.nodes.delete(node);
  }
}
