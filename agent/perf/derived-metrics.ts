import type { PerfStatRow } from './parse-perf-stat.js';

/**
 * Ratios a performance engineer reads first, computed only from events that
 * were counted. Multiplexed inputs use perf's scaled estimate (and so are
 * estimates themselves); an input not counted means no value, never 0.
 */
export function derivedMetrics(rows: readonly PerfStatRow[], scaledValues: ReadonlyMap<string, number>): Record<string, number> {
  const counted = new Map<string, number>();
  for (const row of rows) {
    if (row.status === 'counted' && row.value !== null && row.scope === undefined) {
      counted.set(row.event, scaledValues.get(row.event) ?? row.value);
    }
  }
  const derived: Record<string, number> = {};
  const ratio = (name: string, numerator: string, denominator: string, factor = 1): void => {
    const top = counted.get(numerator);
    const bottom = counted.get(denominator);
    if (top !== undefined && bottom !== undefined && bottom > 0) derived[name] = (top / bottom) * factor;
  };
  ratio('ipc', 'instructions', 'cycles');
  ratio('cache_miss_ratio', 'cache-misses', 'cache-references');
  ratio('branch_miss_ratio', 'branch-misses', 'branches');
  ratio('cache_misses_per_kilo_instruction', 'cache-misses', 'instructions', 1000);
  return derived;
}
