import { readFileSync } from 'node:fs';
import { processTimes } from '../../agent/workload/children-cpu-time.js';

/** A process's own CPU time (user + system, children excluded), in seconds, from /proc. */
export function cpuSeconds(pid: number): number {
  const times = processTimes(pid);
  return times.user + times.system;
}

/** A process's resident memory now, in MiB. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Number(match[1]) / 1024;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
