import type { Record } from '../../proto/records.js';

/**
 * A per-node cap on the label values a node's records bring into the
 * metrics (event names, sensors, workloads, workload metric names): each new
 * value is a new series in Prometheus, so a node cannot grow the collector's
 * series without bound. Values already seen are always fine.
 */
export class LabelBudget {
  private readonly seen = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly maxValuesPerLabel: number) {}

  /** A sentence for the first label whose cap the records would pass; undefined when they fit. */
  check(node: string, records: readonly Record[]): string | undefined {
    const known = this.seen.get(node);
    const fresh = new Map<string, Set<string>>();
    for (const [label, value] of labelValues(records)) {
      if (known?.get(label)?.has(value) === true) continue;
      const added = fresh.get(label) ?? new Set<string>();
      added.add(value);
      fresh.set(label, added);
      const total = (known?.get(label)?.size ?? 0) + added.size;
      if (total > this.maxValuesPerLabel) {
        return `node "${node}" already has ${this.maxValuesPerLabel} distinct ${label} values in the metrics; "${truncate(value)}" would pass the cap (--max-label-values)`;
      }
    }
    return undefined;
  }

  /** Counts the records' values as seen: call once they are written. */
  commit(node: string, records: readonly Record[]): void {
    const known = this.seen.get(node) ?? new Map<string, Set<string>>();
    this.seen.set(node, known);
    for (const [label, value] of labelValues(records)) {
      const values = known.get(label) ?? new Set<string>();
      values.add(value);
      known.set(label, values);
    }
  }

  /** Forgets a node: its series are gone. */
  forget(node: string): void {
    this.seen.delete(node);
  }
}

/** The label values that writing these records puts on metric series (see CollectorMetrics). */
function* labelValues(records: readonly Record[]): Generator<[string, string]> {
  for (const record of records) {
    if (record.kind === 'run') {
      const run = record.run!;
      yield ['workload', run.workload];
      for (const counter of run.counters) yield ['event', counter.event];
      for (const name of Object.keys(run.workload_metrics)) yield ['name', name];
    } else if (record.kind === 'power_sample') {
      yield ['source', record.power_sample!.source];
      yield ['sensor', record.power_sample!.sensor];
    } else if (record.kind === 'power_source_status') {
      yield ['source', record.power_source_status!.source];
    }
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}
