import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeFingerprint, RunRecord } from '../../proto/records.js';
import { syncDirectory, syncFile } from '../spool/durable-file.js';

/** What is known of a run when it starts: enough to record it if the agent dies during it. */
export interface StartedRun {
  run_id: string;
  experiment_id: string;
  workload: string;
  command: string[];
  repetition: number;
  warmup: boolean;
  event_group: number;
  started_time_unix_ms: number;
  fingerprint: NodeFingerprint;
}

const FILE = 'open-run.json';

/**
 * A note in the spool directory of the run in progress, synced before the
 * workload starts and removed once its record is spooled. An agent killed
 * during a run (SIGKILL, a crash, power loss) leaves the note behind, and
 * the next start records that run as interrupted instead of losing it.
 */
export class RunJournal {
  constructor(private readonly directory: string) {}

  started(run: StartedRun): void {
    const path = join(this.directory, FILE);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(run)}\n`);
    syncFile(`${path}.tmp`);
    renameSync(`${path}.tmp`, path);
    syncDirectory(this.directory);
  }

  ended(): void {
    try {
      unlinkSync(join(this.directory, FILE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /**
   * The run a previous agent left unfinished, as an interrupted run record
   * ending when that agent last wrote to its spool; undefined when there is
   * none, or when its record was spooled after all (`isSpooled`).
   */
  recover(lastActivityUnixMs: number, isSpooled: (runId: string) => boolean): RunRecord | undefined {
    const path = join(this.directory, FILE);
    let run: StartedRun;
    try {
      run = JSON.parse(readFileSync(path, 'utf8')) as StartedRun;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.ended();
      return undefined; // a note cut short by a crash before its rename cannot exist; anything else is not ours
    }
    if (isSpooled(run.run_id)) {
      this.ended();
      return undefined;
    }
    const ended = Math.max(run.started_time_unix_ms, lastActivityUnixMs, statSync(path).mtimeMs);
    return {
      ...run,
      status: 'RUN_STATUS_INTERRUPTED',
      ended_time_unix_ms: Math.round(ended),
      duration_ms: Math.round(ended) - run.started_time_unix_ms,
      exit_code: 0,
      signal: '',
      error: 'the agent stopped during this run (killed, crashed or the node lost power); recorded at its next start, without counters or energy',
      counters: [],
      user_cpu_s: 0,
      system_cpu_s: 0,
      perf_used: false,
      workload_metrics: {},
      derived: {},
      source_energies: [],
      energy_source: '',
    };
  }
}
