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
  const times = processTimes('self');
  return { user: times.childrenUser, system: times.childrenSystem };
}

/** utime, stime, cutime and cstime (fields 14-17 of /proc/PID/stat), in seconds; throws when the process is gone. */
export function processTimes(pid: number | 'self'): { user: number; system: number; childrenUser: number; childrenSystem: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "pid (comm) " start at field 3; comm may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [user, system, childrenUser, childrenSystem] = [11, 12, 13, 14].map((i) => Number(fields[i]) / USER_HZ) as [number, number, number, number];
  return { user, system, childrenUser, childrenSystem };
}
