/**
 * Named event lists for `--events`. A list may mix presets and events:
 * "preset:power9,PM_MRK_INST_CMPL". "auto" picks the preset of this
 * machine's architecture.
 */

const SOFTWARE = ['task-clock', 'context-switches', 'page-faults'];
const SEED = ['cycles', 'instructions', 'cache-references', 'cache-misses', 'branches', 'branch-misses'];

/**
 * POWER9 events that matter for inference, named as in perf's POWER9 event
 * list (tools/perf/pmu-events/arch/powerpc/power9) and the kernel's
 * power9-events-list.h.
 */
const POWER9 = [
  'PM_RUN_CYC', // cycles while the run latch is set (not idle)
  'PM_RUN_INST_CMPL', // instructions completed while running
  'PM_LD_MISS_L1', // L1 data-cache load misses
  'PM_DATA_FROM_L2MISS', // demand loads served from beyond the L2
  'PM_DATA_FROM_L3MISS', // demand loads served from beyond the L3
  'PM_DATA_FROM_MEMORY', // demand loads served from memory (local, remote or distant)
  'PM_BR_MPRED_CMPL', // mispredicted branches completed
  'PM_FLOP_CMPL', // floating-point operations completed
  'PM_4FLOP_CMPL', // 4-FLOP (vector) instructions completed
  'PM_8FLOP_CMPL', // 8-FLOP (vector) instructions completed
];

/**
 * perf's portable hardware-cache and stall events: each architecture maps
 * them to its own PMU events (x86: each vendor's model-specific ones; ARM:
 * PMUv3's L1D_CACHE, LL_CACHE_RD, STALL_FRONTEND, ...), or says it has none.
 */
const CACHE_AND_STALLS = [
  'L1-dcache-loads',
  'L1-dcache-load-misses',
  'LLC-loads',
  'LLC-load-misses',
  'dTLB-load-misses',
  'stalled-cycles-frontend',
  'stalled-cycles-backend',
];

export const eventPresets: Readonly<Record<string, readonly string[]>> = {
  default: [...SEED, ...SOFTWARE],
  seed: SEED,
  power9: [...SEED, ...SOFTWARE, ...POWER9],
  x86: [...SEED, ...SOFTWARE, ...CACHE_AND_STALLS],
  arm: [...SEED, ...SOFTWARE, ...CACHE_AND_STALLS],
};

/** The preset for an architecture as uname -m / lscpu names it. */
export function presetForArch(arch: string): string {
  if (/^(ppc64|powerpc)/.test(arch)) return 'power9';
  if (/^(aarch64|arm)/.test(arch)) return 'arm';
  if (/^(x86_64|i[3-6]86|amd64)$/.test(arch)) return 'x86';
  return 'default';
}

export type EventResolution = { ok: true; events: string[] } | { ok: false; error: string };

/** Expands presets and "auto" in an event list; keeps first occurrences, in order. */
export function resolveEvents(requested: readonly string[], arch: string): EventResolution {
  const events: string[] = [];
  for (const item of requested) {
    const name = item === 'auto' ? presetForArch(arch) : item.startsWith('preset:') ? item.slice('preset:'.length) : undefined;
    if (name === undefined) {
      events.push(item);
      continue;
    }
    const preset = eventPresets[name];
    if (preset === undefined)
      return {
        ok: false,
        error: `unknown event preset "${item}"; presets: ${Object.keys(eventPresets)
          .map((p) => `preset:${p}`)
          .join(', ')}, auto`,
      };
    events.push(...preset);
  }
  return { ok: true, events: [...new Set(events)] };
}

/** Events counted by the kernel, not by a PMU counter: they never need a hardware slot. */
export function isSoftwareEvent(event: string): boolean {
  return (
    /^(task-clock|cpu-clock|context-switches|cs|cpu-migrations|migrations|page-faults|faults|minor-faults|major-faults|alignment-faults|emulation-faults|dummy|bpf-output|cgroup-switches)(:\w+)?$/.test(
      event,
    ) || /^[\w-]+:[\w-]+$/.test(event)
  );
}
