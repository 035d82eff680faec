import type { NodeRun } from '../../proto/csv-tables.js';

export interface ArchitectureWarning {
  message: string;
  architectures: string[];
  /** Event -> "arch: what it counted there". */
  events: Record<string, string[]>;
}

/**
 * Generic cache events count different things per architecture (L1 data
 * cache on POWER9 and ARM, the last-level cache on x86): runs that mix them
 * must not be read as one quantity. Each run's counters say what they counted.
 */
export function architectureWarning(runs: readonly NodeRun[]): ArchitectureWarning | undefined {
  const meanings = new Map<string, Set<string>>();
  for (const { run } of runs) {
    for (const counter of run.counters) {
      if (counter.maps_to === '' || counter.maps_to === undefined) continue;
      const seen = meanings.get(counter.event) ?? new Set<string>();
      seen.add(`${run.fingerprint?.arch ?? '?'}: ${counter.maps_to}`);
      meanings.set(counter.event, seen);
    }
  }
  const architectures = [...new Set(runs.map(({ run }) => run.fingerprint?.arch ?? '').filter((arch) => arch !== ''))];
  const differing = [...meanings].filter(([, seen]) => new Set([...seen].map((s) => s.split(': ').slice(1).join(': '))).size > 1);
  if (architectures.length < 2 || differing.length === 0) return undefined;
  const events = Object.fromEntries(differing.map(([event, seen]) => [event, [...seen]]));
  return {
    message: `runs.csv mixes architectures whose generic events count different things; do not compare these columns across them: ${differing.map(([event, seen]) => `${event} (${[...seen].join('; ')})`).join(', ')}`,
    architectures,
    events,
  };
}
