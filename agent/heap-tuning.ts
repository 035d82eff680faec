import { setFlagsFromString } from 'node:v8';

/**
 * V8's memory reducer runs full, heap-shrinking collections about 8 s after
 * start-up, two in a row. On the agent's small, steady heap (about 12 MB)
 * that is some 50 ms of CPU taken from beside the first run's workload — half
 * of what the agent costs a 10 s run — and the second frees nothing
 * (measured with --trace-gc). Deferred to 5 minutes and done once, it lands
 * where it is a small share of a long run or an idle daemon's time.
 *
 * V8 reads both flags when it schedules the reducer, which happens while
 * modules load: call this before importing anything else.
 */
export function deferHeapShrinking(): void {
  setFlagsFromString('--gc-memory-reducer-start-delay-ms=300000 --memory-reducer-single-gc');
}
