import { readFileSync } from 'node:fs';
import type { CpuTimeSeconds } from './children-cpu-time.js';

const USER_HZ = 100;
const POLL_MS = 50;

/**
 * perf stat -I never reaps the workload it started (it exits on SIGCHLD
 * without wait4), so the workload's CPU time never reaches the agent's
 * RUSAGE_CHILDREN. In that mode the workload's own and its reaped
 * children's times are read from /proc while it runs, the last reading
 * standing for the whole (it can miss up to POLL_MS at the very end).
 */
export class WorkloadCpuWatch {
  private latest: CpuTimeSeconds = { user: 0, system: 0 };
  private workloadPid: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly perfPid: number) {
    this.timer = setInterval(() => this.read(), POLL_MS);
    this.timer.unref();
  }

  /** Reads once more (a zombie's /proc entry still holds its times) and stops. */
  stop(): CpuTimeSeconds {
    this.read();
    clearInterval(this.timer);
    return this.latest;
  }

  private read(): void {
    try {
      this.workloadPid ??= Number(readFileSync(`/proc/${this.perfPid}/task/${this.perfPid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
      if (this.workloadPid === undefined) return;
      const stat = readFileSync(`/proc/${this.workloadPid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime: fields 14-17 of stat(5), counted from the state field (3).
      const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]) / USER_HZ) as [number, number, number, number];
      if (utime + cutime >= this.latest.user) this.latest = { user: utime + cutime, system: stime + cstime };
    } catch {
      // Not started yet, or gone (and reaped): the last reading stands.
    }
  }
}
