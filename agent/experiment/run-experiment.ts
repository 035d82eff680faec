import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { CounterInterval, NodeInfo, RunRecord } from '../../proto/records.js';
import type { Record as RecordInput } from '../../proto/generated/powerprof/v1/Record.js';
import type { IntervalRows } from '../perf/interval-tail.js';
import { readNodeFingerprint } from '../node-info/node-fingerprint.js';
import type { PowerMeasurement } from '../power/power-measurement.js';
import { runWorkload, type PerfSpec } from '../workload/run-workload.js';
import type { WorkloadUser } from '../workload/workload-user.js';
import { buildRunRecord, toCounterValue } from './build-run-record.js';
import type { StartedRun } from './run-journal.js';
import { nextRun, type MeasuredRun, type RepeatOptions } from './repeat-policy.js';
import { progressLine, progressText, summaryTable } from './run-table.js';

export interface ExperimentPlan {
  /** A fleet job's id; a new one otherwise. */
  experimentId?: string | undefined;
  workload: string;
  command: readonly string[];
  repeat: RepeatOptions;
  /** The events of each run: one group, or the --no-multiplex groups that runs rotate through. */
  eventGroups: readonly (readonly string[])[];
  perfPath: string | undefined;
  /** perf can be attached to the gated workload (see PerfSpec.attach). */
  perfAttach: boolean;
  intervalMs: number;
  timeoutMs: number;
  killGraceMs: number;
  /** Rest between runs (power is sampled all along): each run's rise and the return to idle show apart. */
  pauseMs?: number;
  /** Run the workload as this user (an agent running as root). */
  workloadUser?: WorkloadUser | undefined;
  itemsKey: string;
  sysfsRoot: string;
  /** Energy per run and the idle baseline, when a power source works here. */
  power?: PowerMeasurement | undefined;
}

export interface ExperimentSinks {
  /** Records go to the collector (and anything else that wants them) through here. */
  emit(records: RecordInput[]): void;
  /** Before the workload starts: what is known of the run so far. */
  onRunStarted?(run: StartedRun): void;
  /** After the run's record went to emit(); with the agent's own CPU while the workload ran. */
  onRun?(run: RunRecord, agentCpuS: number): void;
  onInterval?(interval: CounterInterval): void;
  /** Progress lines and the final table, for the person at the terminal. */
  terminal: NodeJS.WritableStream;
  /** Draw a progress bar (a terminal), or plain lines (a log). */
  terminalIsTty?: boolean;
  logger: Logger;
}

/**
 * One experiment: warm-ups, then measured runs until the repeat policy says
 * stop or the agent is interrupted. Each run is shipped as soon as it ends;
 * with --interval-ms its counter intervals are shipped while it runs.
 */
export async function runExperiment(plan: ExperimentPlan, node: NodeInfo, sinks: ExperimentSinks, interrupt: AbortSignal): Promise<RunRecord[]> {
  const experimentId = plan.experimentId ?? randomUUID();
  const [command, ...args] = plan.command as [string, ...string[]];
  const runs: RunRecord[] = [];
  const measured: MeasuredRun[] = [];
  const warnedMultiplexed = new Set<string>();
  const warnedUnsupported = new Set<string>();
  let warmups = 0;
  const planned =
    plan.repeat.untilRsdPercent === undefined ? `/${plan.repeat.repeat}` : ` (until RSD < ${plan.repeat.untilRsdPercent} %, at most ${plan.repeat.maxRepeat})`;
  sinks.logger.info({ experimentId, workload: plan.workload, eventGroups: plan.eventGroups, ...plan.repeat }, 'experiment starting');
  const idleBefore = await plan.power?.measureIdle('before', interrupt);
  const experimentStarted = performance.now();
  const plannedTotal = plan.repeat.untilRsdPercent === undefined ? plan.repeat.warmup + plan.repeat.repeat : undefined;

  for (;;) {
    const next = nextRun(plan.repeat, warmups, measured);
    if (next.kind === 'stop') {
      sinks.logger.info({ reason: next.reason }, 'experiment complete');
      break;
    }
    if (interrupt.aborted) break;
    if (runs.length > 0 && (plan.pauseMs ?? 0) > 0) {
      await sleep(plan.pauseMs, undefined, { signal: interrupt }).catch(() => undefined);
      if (interrupt.aborted) break;
    }
    const warmup = next.kind === 'warmup';
    const repetition = warmup ? warmups + 1 : measured.length + 1;
    // Measured runs rotate through the groups; warm-ups use the first.
    const groupIndex = warmup ? 0 : measured.length % plan.eventGroups.length;
    const runId = randomUUID();
    const fingerprint = await readNodeFingerprint(plan.sysfsRoot, node);
    const perf: PerfSpec | undefined =
      plan.perfPath === undefined
        ? undefined
        : {
            perfPath: plan.perfPath,
            attach: plan.perfAttach,
            events: plan.eventGroups[groupIndex]!,
            intervalMs: plan.intervalMs,
            onInterval: (rows) => {
              const interval = toCounterInterval(runId, rows, node.arch);
              sinks.emit([{ counter_interval: interval }]);
              sinks.onInterval?.(interval);
            },
          };
    sinks.onRunStarted?.({
      run_id: runId,
      experiment_id: experimentId,
      workload: plan.workload,
      command: [...plan.command],
      repetition,
      warmup,
      event_group: plan.eventGroups.length > 1 ? groupIndex + 1 : 0,
      started_time_unix_ms: Date.now(),
      fingerprint,
    });
    const outcome = await runWorkload({ command, args, timeoutMs: plan.timeoutMs, killGraceMs: plan.killGraceMs, user: plan.workloadUser }, perf, interrupt);
    const built = buildRunRecord(outcome, {
      runId,
      experimentId,
      workload: plan.workload,
      command: plan.command,
      repetition,
      warmup,
      eventGroup: plan.eventGroups.length > 1 ? groupIndex + 1 : 0,
      itemsKey: plan.itemsKey,
      fingerprint,
    });
    const energy = plan.power === undefined ? undefined : await plan.power.runEnergy(outcome.startedTimeUnixMs, outcome.endedTimeUnixMs, built.items);
    const run: RunRecord = energy === undefined ? built : { ...built, ...energy };
    sinks.emit([{ run }]);
    sinks.onRun?.(run, outcome.agentCpuS);
    runs.push(run);
    if (warmup) warmups++;
    else measured.push({ durationS: run.duration_ms / 1000, ...(run.energy_joules === undefined ? {} : { energyJoules: run.energy_joules }) });
    warnOnce(run, warnedUnsupported, warnedMultiplexed, sinks.logger);
    sinks.terminal.write(progressLine(run, warmup ? '' : planned));
    sinks.terminal.write(
      progressText({ done: runs.length, total: plannedTotal, elapsedS: (performance.now() - experimentStarted) / 1000, bar: sinks.terminalIsTty === true }),
    );
  }
  const idleAfter = await plan.power?.measureIdle('after', interrupt);
  sinks.terminal.write(`\n${summaryTable(runs)}`);
  if (idleBefore !== undefined || idleAfter !== undefined) {
    sinks.terminal.write(`idle power: ${formatWatts(idleBefore)} before the first run, ${formatWatts(idleAfter)} after the last\n`);
  }
  return runs;
}

function toCounterInterval(runId: string, rows: IntervalRows, arch: string): CounterInterval {
  return { run_id: runId, time_s: rows.timeS, counters: rows.rows.map((row) => toCounterValue(row, arch)) };
}

/** Unsupported and multiplexed events are in every record; the person at the terminal hears of each once. */
function warnOnce(run: RunRecord, unsupported: Set<string>, multiplexed: Set<string>, logger: Logger): void {
  const freshUnsupported = run.counters.filter((c) => c.status === 'COUNTER_STATUS_NOT_SUPPORTED' && !unsupported.has(c.event)).map((c) => c.event);
  if (freshUnsupported.length > 0) {
    freshUnsupported.forEach((event) => unsupported.add(event));
    logger.warn(
      { events: freshUnsupported },
      'events not supported on this machine (see "powerprof-agent probe" for why); recorded as not_supported, runs still count',
    );
  }
  const freshMultiplexed = run.counters.filter((c) => c.scaled_value !== undefined && !multiplexed.has(c.event));
  if (freshMultiplexed.length > 0) {
    freshMultiplexed.forEach((c) => multiplexed.add(c.event));
    logger.warn(
      { events: Object.fromEntries(freshMultiplexed.map((c) => [c.event, `${c.running_percent} %`])) },
      'counters multiplexed (running < 100 %): raw values kept, scaled estimates marked; --no-multiplex counts each fully in some runs',
    );
  }
}

function formatWatts(watts: number | undefined): string {
  return watts === undefined ? 'not measured' : `${watts.toFixed(1)} W`;
}
