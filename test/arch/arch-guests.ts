/**
 * The guests `npm run test:arch` boots, and what each one's agent runs. Under
 * emulation Node runs some 20 times slower than here: the workloads are small.
 */
export interface ArchGuest {
  name: 'power9-pseries' | 'power9-powernv' | 'arm64-virt';
  /** Debian's name of the guest's architecture (build-guest.sh ARCH). */
  debianArch: 'ppc64el' | 'arm64';
  /** uname -m in the guest. */
  arch: string;
  /** --events of each `probe` and `run`, in turn. */
  eventSets: string[];
  /** perf stat -x, captured straight from the guest's perf, for the parsers' fixtures. */
  captureEvents: string;
  items: number;
  repeat: number;
  probeArgs: string;
  runArgs: string;
}

const SEED = 'cycles,instructions,cache-references,cache-misses,branches,branch-misses';

export const archGuests: readonly ArchGuest[] = [
  {
    name: 'power9-pseries',
    debianArch: 'ppc64el',
    arch: 'ppc64le',
    eventSets: ['auto', 'preset:power9'],
    captureEvents: `${SEED},task-clock,PM_RUN_CYC,PM_RUN_INST_CMPL,PM_LD_MISS_L1,PM_BR_MPRED_CMPL`,
    items: 300,
    repeat: 2,
    probeArgs: '--power none',
    // The auto run also streams 1 s intervals (perf stat -I on the POWER9 PMU driver): counters.csv.
    runArgs: '--power none --idle-s 0 --interval-ms 1000',
  },
  {
    name: 'arm64-virt',
    debianArch: 'arm64',
    arch: 'aarch64',
    eventSets: ['auto'],
    captureEvents: `${SEED},task-clock`,
    items: 300,
    repeat: 2,
    probeArgs: '--power none',
    runArgs: '--power none --idle-s 0 --interval-ms 1000',
  },
  {
    name: 'power9-powernv',
    debianArch: 'ppc64el',
    arch: 'ppc64le',
    eventSets: ['auto'],
    captureEvents: `${SEED},task-clock`,
    // Long enough runs for a slow BMC: an in-band DCMI reading takes about 8 s here (each IPMI message
    // through the emulated BT interface about 2 s), so power is sampled every 10 s, a read may take
    // 30 s, and each run spans several readings, with 12 s of idle before and after.
    items: 900,
    repeat: 2,
    probeArgs: '--power ipmi-dcmi --power-timeout 30',
    runArgs: '--power ipmi-dcmi --power-period-ms 10000 --power-timeout 30 --idle-s 12',
  },
];
