import { spawnSync } from 'node:child_process';

/**
 * Whether this machine's PMU counts hardware events. On most VMs
 * `perf stat -e instructions true` says <not supported>; hardware-counter
 * tests are skipped there, with this reason printed.
 */
export function hardwareCountersUnavailable(): string | undefined {
  const result = spawnSync('perf', ['stat', '-x,', '-e', 'instructions', '--', 'true'], { encoding: 'utf8' });
  if (result.error !== undefined) return `perf cannot run here: ${result.error.message}`;
  if (/<not supported>|<not counted>/.test(result.stderr)) {
    return 'hardware counters are not available on this machine ("perf stat -e instructions true" says not supported, as on most VMs)';
  }
  return undefined;
}

/** A shell busy loop of roughly a few hundred milliseconds. */
export const busyLoop = ['sh', '-c', 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done'];

/** A single-threaded CPU-bound workload of a fixed wall time, whatever the machine's speed. */
export function busyFor(milliseconds: number): string[] {
  return [process.execPath, '-e', `const end = Date.now() + ${milliseconds}; while (Date.now() < end);`];
}
