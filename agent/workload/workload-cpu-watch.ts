import { readFileSync } from 'node:fs';
import { processTimes, type CpuTimeSeconds } from './children-cpu-time.js';

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
      const times = processTimes(this.workloadPid);
      const user = times.user + times.childrenUser;
      if (user >= this.latest.user) this.latest = { user, system: times.system + times.childrenSystem };
    } catch {
      // Not started yet, or gone (and reaped): the last reading stands.
    }
  }
}
