/**
 * What perf's generic hardware events count on each architecture: the
 * kernel maps them to different PMU events (arch/powerpc/perf/power9-pmu.c,
 * arch/x86/events/intel/core.c, arch/arm64/kernel/perf_event.c). A
 * "cache-miss ratio" from a POWER9 and from an x86 machine is not the same
 * quantity: POWER9 counts L1 data-cache loads, x86 the last-level cache.
 */
const meanings: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  power: {
    cycles: 'processor cycles (PM_CYC)',
    instructions: 'instructions completed (PM_INST_CMPL)',
    'cache-references': 'L1 data-cache load references (PM_LD_REF_L1)',
    'cache-misses': 'L1 data-cache load misses, counted at finish (PM_LD_MISS_L1_FIN)',
    branches: 'branches completed (PM_BR_CMPL)',
    'branch-misses': 'mispredicted branches completed (PM_BR_MPRED_CMPL)',
  },
  x86: {
    cycles: 'core clock cycles while not halted',
    instructions: 'instructions retired',
    'cache-references': 'last-level cache references (Intel LONGEST_LAT_CACHE.REFERENCE; model-specific on AMD)',
    'cache-misses': 'last-level cache misses (Intel LONGEST_LAT_CACHE.MISS; model-specific on AMD)',
    branches: 'branch instructions retired',
    'branch-misses': 'mispredicted branch instructions retired',
  },
  arm: {
    cycles: 'processor cycles (CPU_CYCLES)',
    instructions: 'instructions architecturally executed (INST_RETIRED)',
    'cache-references': 'L1 data-cache accesses (L1D_CACHE)',
    'cache-misses': 'L1 data-cache refills (L1D_CACHE_REFILL)',
    branches: 'branches architecturally executed (PC_WRITE_RETIRED or BR_RETIRED)',
    'branch-misses': 'mispredicted or not predicted branches (BR_MIS_PRED)',
  },
};

export function architectureFamily(arch: string): 'power' | 'x86' | 'arm' | 'other' {
  if (/^(ppc|powerpc)/.test(arch)) return 'power';
  if (/^(x86_64|i[3-6]86|amd64)$/.test(arch)) return 'x86';
  if (/^(aarch64|arm)/.test(arch)) return 'arm';
  return 'other';
}

/** What a generic event counts on arch; '' for events that name what they count. */
export function genericEventMeaning(event: string, arch: string): string {
  const family = architectureFamily(arch);
  return family === 'other' ? '' : (meanings[family]![event] ?? '');
}

/** Events whose meaning differs across architectures, so comparing them needs a warning. */
export const architectureDependentEvents = ['cache-references', 'cache-misses'];
