import { setFlagsFromString } from 'node:v8';

/**
 * V8's memory reducer runs full, heap-shrinking collections about 8 s after
 * start-up. On the agent's small, steady heap (about 12 MB) that is some
 * 50 ms of CPU taken from beside the first run's workload — half of what the
 * agent costs a 10 s run — to give back some 15 MB of heap that start-up
 * grew (measured with --trace-gc; the peak RSS comes before it either way).
 * Deferred to 5 minutes, it lands where it is a small share of a long run or
 * an idle daemon's time.
 *
 * V8 reads the flag when it schedules the reducer, which happens while
 * modules load: call this before importing anything else. (A V8 without the
 * flag says "unrecognized flag" on stderr; heap-tuning.test.ts would fail.)
 */
export function deferHeapShrinking(): void {
  setFlagsFromString('--gc-memory-reducer-start-delay-ms=300000');
}
