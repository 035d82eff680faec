import { isSoftwareEvent } from './event-presets.js';

/**
 * For --no-multiplex: splits the hardware events into groups of at most
 * `counters` (the PMU's programmable counters), each group also carrying
 * every software event. Run n counts group n mod groups.length, so with
 * enough repetitions every event is counted 100 % of some runs.
 */
export function eventGroups(events: readonly string[], counters: number): string[][] {
  const software = events.filter(isSoftwareEvent);
  const hardware = events.filter((event) => !isSoftwareEvent(event));
  if (hardware.length <= counters) return [[...events]];
  const groups: string[][] = [];
  for (let start = 0; start < hardware.length; start += counters) {
    groups.push([...hardware.slice(start, start + counters), ...software]);
  }
  return groups;
}

/** Programmable counters per hardware thread, by architecture, when the user does not say. */
export function defaultPmuCounters(arch: string): number {
  if (/^(ppc|powerpc)/.test(arch)) return 4; // PMC1-4; PMC5-6 are fixed to instructions and cycles
  if (/^(aarch64|arm)/.test(arch)) return 6; // common PMUv3 implementations, plus the cycle counter
  return 4; // x86 with SMT on: 4 general-purpose counters per thread
}
