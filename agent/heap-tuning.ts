import { setFlagsFromString } from 'node:v8';

/**
 * V8 tuned for what the agent is: a small, steady heap (about 12 MB) and
 * light work a few times a second, beside a workload it must not disturb.
 * Measured with `npm run bench` and --trace-gc (2026-12-01):
 *
 * - The memory reducer runs full, heap-shrinking collections about 8 s
 *   after start-up: some 50 ms of CPU beside the first run's workload, to
 *   give back some 15 MB start-up grew. Deferred to 5 minutes, it lands where
 *   it is a small share of a long run or an idle daemon's time.
 * - The young generation does not grow (--semi-space-growth-factor=1): it
 *   stays at its first size instead of doubling towards 16 MB per semi-space,
 *   which took the peak RSS of a 10 Hz run from 83-85 MiB to 60-61.
 * - No optimizing compiler (--no-opt): at 10 intervals a second the agent's
 *   code is never hot enough to repay TurboFan, which spent about a quarter
 *   of the agent's CPU compiling and deoptimizing during a run (perf record);
 *   the baseline compiler stays. The agent's CPU beside a 10 s workload
 *   with --interval-ms 100 went from 2.2-2.4 % to 1.9-2.0 %.
 *
 * V8 reads these when it schedules the reducer, sizes the young generation
 * and decides what to optimize, which starts while modules load: call this
 * before importing anything else. (A V8 without one of them says
 * "unrecognized flag" on stderr; heap-tuning.test.ts would fail.)
 */
export function tuneV8ForTheAgent(): void {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
}

export const V8_FLAGS = ['--gc-memory-reducer-start-delay-ms=300000', '--semi-space-growth-factor=1', '--no-opt'] as const;
