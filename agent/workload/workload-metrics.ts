import { MAX_MAP_ENTRIES, MAX_MAP_NAME_LENGTH } from '../../proto/record-rules.js';

/**
 * Numbers a workload reports about itself on stdout, read as they pass
 * through. Two forms:
 *   KEY: number[unit]            "RIGHTS: 480", "ACC: 0.96", "Time Elapsed: 12.3s"
 *   POWERPROF {"key": number}    one JSON object of numbers
 * The last value of a key wins. Anything else is the workload's own business.
 */

// The record rules bound a run's workload metrics; the agent keeps within them rather than lose the run record.
const MAX_METRICS = MAX_MAP_ENTRIES;
const MAX_NAME_LENGTH = MAX_MAP_NAME_LENGTH;
const KEY_NUMBER = new RegExp(
  `^\\s*([A-Za-z][\\w .%/-]{0,${MAX_NAME_LENGTH - 1}}?)\\s*:\\s*(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)\\s*[A-Za-z%/]{0,8}\\s*$`,
);
const POWERPROF_JSON = /^\s*POWERPROF\s+(\{.*\})\s*$/;

export function parseMetricLine(line: string): Array<[string, number]> {
  const json = POWERPROF_JSON.exec(line);
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json[1]!);
    } catch {
      return [];
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
    return Object.entries(parsed).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]) && entry[0] !== '' && entry[0].length <= MAX_NAME_LENGTH,
    );
  }
  const match = KEY_NUMBER.exec(line);
  if (!match) return [];
  const value = Number(match[2]);
  return Number.isFinite(value) ? [[match[1]!.trim(), value]] : [];
}

/** Collects metrics from a stream of stdout chunks, split into lines. */
export class WorkloadMetricsCollector {
  readonly metrics = new Map<string, number>();
  private partial = '';

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    // A line longer than this is output, not a metric.
    if (this.partial.length > 4096) this.partial = '';
    for (const line of lines) this.take(line);
  }

  end(): Map<string, number> {
    if (this.partial !== '') this.take(this.partial);
    this.partial = '';
    return this.metrics;
  }

  private take(line: string): void {
    for (const [name, value] of parseMetricLine(line.replace(/\r$/, ''))) {
      if (this.metrics.has(name) || this.metrics.size < MAX_METRICS) this.metrics.set(name, value);
    }
  }
}
