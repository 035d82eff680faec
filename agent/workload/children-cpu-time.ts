import { readFileSync } from 'node:fs';

/**
 * Linux reports /proc times in USER_HZ, which the kernel fixes at 100 for
 * user space on every architecture (x86_64, ppc64le, aarch64).
 */
const USER_HZ = 100;

export interface CpuTimeSeconds {
  user: number;
  system: number;
}

/**
 * CPU time of this process's children that have exited and been reaped
 * (getrusage(RUSAGE_CHILDREN), which Node does not expose): fields 16 and 17
 * of /proc/self/stat. The difference around one child's life is its CPU time.
 */
export function reapedChildrenCpuTime(): CpuTimeSeconds {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after "pid (comm) " start at field 3; comm may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[13]) / USER_HZ, system: Number(fields[14]) / USER_HZ };
}
