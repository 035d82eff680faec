import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { IntervalTail, type IntervalRows } from '../perf/interval-tail.js';
import { parsePerfStat, type PerfStatRow } from '../perf/parse-perf-stat.js';
import { reapedChildrenCpuTime } from './children-cpu-time.js';
import { attachedPerfArgs, attachPerf, gatedCommand, openGate, type AttachedPerf } from './attached-perf.js';
import { findExecutable } from './command-path.js';
import { reapGroup, signalGroup } from './process-group.js';
import { signalFromPerfStderr } from './signal-names.js';
import { WorkloadMetricsCollector } from './workload-metrics.js';
import { asUser, userEnvironment, type WorkloadUser } from './workload-user.js';

export type RunStatusWord = 'ok' | 'failed' | 'killed' | 'timed_out' | 'interrupted' | 'error';

export interface WorkloadSpec {
  command: string;
  args: string[];
  /** Stop the workload after this long; 0 means never. */
  timeoutMs: number;
  /** After SIGTERM, how long the workload's process group has before SIGKILL. */
  killGraceMs: number;
  /** Run the workload as this user (the agent is root); perf stays root. */
  user?: WorkloadUser | undefined;
}

export interface PerfSpec {
  perfPath: string;
  events: readonly string[];
  /** perf stat -I: counters every this many ms, handed to onInterval while the run goes; 0 is off. */
  intervalMs: number;
  onInterval?: (interval: IntervalRows) => void;
}

export interface WorkloadOutcome {
  status: RunStatusWord;
  startedTimeUnixMs: number;
  endedTimeUnixMs: number;
  durationMs: number;
  exitCode: number | null;
  signal: string;
  error: string;
  /** Run totals as perf reported them (raw: perf runs with --no-scale). */
  counters: PerfStatRow[];
  /** What the workload printed about itself (see workload-metrics.ts). */
  workloadMetrics: Map<string, number>;
  userCpuS: number;
  systemCpuS: number;
  perfUsed: boolean;
  /** The agent's own CPU (its process, every thread) from the workload's start to its exit: what profiling took beside it. */
  agentCpuS: number;
}

const STDERR_TAIL_BYTES = 4_096;
const STDERR_DRAIN_MS = 1_000;
const GROUP_POLL_MS = 50;

/** How long perf may take to open its counters on the workload before the run is an error. */
const ATTACH_TIMEOUT_MS = 10_000;
/** After the workload exits, perf notices at its next interval; past this much more it is stopped. */
const PERF_EXIT_GRACE_MS = 5_000;

/**
 * Runs the workload once: alone, under `perf stat -x, -o FILE` (perf starts
 * it and reports how it ended), or with --interval-ms gated and counted by
 * a perf attached to it (attached-perf.ts), since perf -I loses the exit
 * status. The workload's stdin and stdout are the agent's; its stderr
 * passes through the agent byte for byte. The workload runs in its own
 * process group so a timeout or an interrupt can stop it and everything it
 * started.
 */
export async function runWorkload(spec: WorkloadSpec, perf: PerfSpec | undefined, interrupt: AbortSignal): Promise<WorkloadOutcome> {
  // perf prints "3202,39" in a decimal-comma locale, which CSV cannot tell from two fields.
  const base = spec.user === undefined ? process.env : userEnvironment(spec.user, process.env);
  const environment = perf === undefined ? base : { ...base, LC_NUMERIC: 'C' };
  const startedTimeUnixMs = Date.now();
  const found = findExecutable(spec.command, environment);
  if (!found.ok) return notStarted(spec, perf, startedTimeUnixMs, found.error);

  const outputDir = perf === undefined ? undefined : await mkdtemp(join(tmpdir(), 'powerprof-perf-'));
  const perfOutput = outputDir === undefined ? undefined : join(outputDir, 'perf-stat.csv');
  const workload = spec.user === undefined ? { command: spec.command, args: spec.args } : asUser(spec.user, spec.command, spec.args);
  const attached = perf !== undefined && perf.intervalMs > 0;
  const { command: file, args } =
    perf === undefined || perfOutput === undefined
      ? workload
      : attached
        ? gatedCommand(workload.command, workload.args)
        : { command: perf.perfPath, args: [...perfStatArgs(perf, perfOutput), '--', workload.command, ...workload.args] };
  const intervals: IntervalRows[] = [];
  const tail =
    attached && perfOutput !== undefined
      ? new IntervalTail(perfOutput, Math.max(10, Math.min(100, perf.intervalMs / 2)), (interval) => {
          intervals.push(interval);
          perf.onInterval?.(interval);
        })
      : undefined;

  const metrics = new WorkloadMetricsCollector();
  const cpuBefore = reapedChildrenCpuTime();
  const startedAt = performance.now();
  const agentCpuBefore = process.cpuUsage();
  let attachedPerf: AttachedPerf | undefined;
  const release =
    attached && perfOutput !== undefined
      ? async (pid: number, gate: Writable): Promise<string | undefined> => {
          const result = await attachPerf(perf.perfPath, attachedPerfArgs(perf.events, perf.intervalMs, pid, perfOutput), environment, ATTACH_TIMEOUT_MS);
          if (!result.ok) return result.error;
          attachedPerf = result.perf;
          tail?.start();
          openGate(gate);
          return undefined;
        }
      : undefined;
  const ended = await spawnAndWait(file, args, environment, spec, interrupt, (chunk) => metrics.push(chunk), release);
  if (attachedPerf !== undefined) await stopWhenDone(attachedPerf, perf!.intervalMs);
  const agentCpu = process.cpuUsage(agentCpuBefore);
  const durationMs = performance.now() - startedAt;
  const endedTimeUnixMs = Date.now();
  const cpuAfter = reapedChildrenCpuTime();

  let counters: PerfStatRow[] = [];
  if (tail !== undefined) {
    await tail.finish();
    counters = tail.totals.length > 0 ? tail.totals : sumIntervals(intervals);
  } else if (perfOutput !== undefined) {
    const parsed = parsePerfStat(await readFile(perfOutput, 'utf8').catch(() => ''));
    if (parsed.ok) counters = parsed.rows;
  }
  if (outputDir !== undefined) await rm(outputDir, { recursive: true, force: true });
  return {
    ...classify(ended, spec, perf !== undefined && !attached),
    startedTimeUnixMs,
    endedTimeUnixMs,
    durationMs,
    counters,
    workloadMetrics: metrics.end(),
    userCpuS: round(cpuAfter.user - cpuBefore.user),
    systemCpuS: round(cpuAfter.system - cpuBefore.system),
    perfUsed: perf !== undefined,
    agentCpuS: (agentCpu.user + agentCpu.system) / 1e6,
  };
}

/** A run whose command cannot be started: an error, said before anything is spawned. */
function notStarted(spec: WorkloadSpec, perf: PerfSpec | undefined, atUnixMs: number, why: string): WorkloadOutcome {
  const commandText = [spec.command, ...spec.args].join(' ');
  return {
    status: 'error',
    exitCode: null,
    signal: '',
    error: `failed to start "${commandText}": ${why}`,
    startedTimeUnixMs: atUnixMs,
    endedTimeUnixMs: atUnixMs,
    durationMs: 0,
    counters: [],
    workloadMetrics: new Map(),
    userCpuS: 0,
    systemCpuS: 0,
    perfUsed: perf !== undefined,
    agentCpuS: 0,
  };
}

/** perf stops by itself within an interval of the workload's end; one that does not is stopped (SIGINT prints its totals). */
async function stopWhenDone(perf: AttachedPerf, intervalMs: number): Promise<void> {
  const interruptTimer = setTimeout(() => perf.process.kill('SIGINT'), intervalMs + PERF_EXIT_GRACE_MS);
  const killTimer = setTimeout(() => perf.process.kill('SIGKILL'), intervalMs + 2 * PERF_EXIT_GRACE_MS);
  await perf.exited;
  clearTimeout(interruptTimer);
  clearTimeout(killTimer);
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: string;
  timedOut: boolean;
  interrupted: boolean;
  stderrTail: string;
}

/** perf starting the workload, run totals only. --no-scale: values are raw counts; the scaled estimate is computed where a counter was multiplexed. */
export function perfStatArgs(perf: PerfSpec, outputFile: string): string[] {
  return ['stat', '-x,', '--no-scale', '-o', outputFile, '-e', perf.events.join(',')];
}

/** Totals for a perf too old for --summary: counted values summed over the intervals. */
function sumIntervals(intervals: readonly IntervalRows[]): PerfStatRow[] {
  const totals = new Map<string, PerfStatRow & { samples: number }>();
  for (const { rows } of intervals) {
    for (const row of rows) {
      const key = `${row.event}\u0000${row.scope ?? ''}`;
      const total = totals.get(key) ?? { ...row, time_s: undefined, value: null, status: row.status, running_percent: 0, samples: 0 };
      if (row.status === 'counted') {
        total.status = 'counted';
        total.value = (total.value ?? 0) + (row.value ?? 0);
      }
      total.running_percent += row.running_percent;
      total.samples++;
      totals.set(key, total);
    }
  }
  return [...totals.values()].map(({ samples, time_s: _time, ...row }) => ({ ...row, running_percent: row.running_percent / samples }));
}

function spawnAndWait(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  spec: WorkloadSpec,
  interrupt: AbortSignal,
  onStdout: (chunk: string) => void,
  /** For a gated workload: attaches what counts it and opens the gate, or says why it could not. */
  release?: (pid: number, gate: Writable) => Promise<string | undefined>,
): Promise<Ended> {
  const { timeoutMs, killGraceMs } = spec;
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: release === undefined ? ['inherit', 'pipe', 'pipe'] : ['inherit', 'pipe', 'pipe', 'pipe'], detached: true, env });
    let releaseError: string | undefined;
    if (release !== undefined && child.pid !== undefined) {
      const gate = child.stdio[3] as Writable;
      gate.on('error', () => undefined); // the gate gone: its exit says how
      void release(child.pid, gate).then((error) => {
        if (error === undefined) return;
        releaseError = error;
        signalGroup(child.pid, 'SIGKILL');
      });
    }
    let stderrTail = '';
    let timedOut = false;
    let interrupted = false;
    let killDeadline: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    // TERM now, KILL once the grace is over: whoever ignores TERM (the workload, its
    // children) still goes, even after perf, the group's leader, has exited. (A timer
    // armed only then: a run that is not stopped costs no wake-ups.)
    const stopGroup = (): void => {
      if (killDeadline !== undefined) return;
      killDeadline = Date.now() + killGraceMs;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), killGraceMs);
    };
    const timeout = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), stopGroup()), timeoutMs) : undefined;
    const onInterrupt = (): void => {
      interrupted = true;
      stopGroup();
    };
    interrupt.addEventListener('abort', onInterrupt, { once: true });
    if (interrupt.aborted) onInterrupt();

    // stdout passes through byte for byte; the workload's own numbers are read on the way.
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      onStdout(chunk.toString('utf8'));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    let finished = false;
    const finish = async (ended: Omit<Ended, 'timedOut' | 'interrupted' | 'stderrTail'>): Promise<void> => {
      if (finished) return;
      finished = true;
      clearTimeout(timeout);
      interrupt.removeEventListener('abort', onInterrupt);
      if (killDeadline !== undefined) await reapGroup(child.pid, killDeadline, GROUP_POLL_MS);
      resolve({ ...ended, timedOut, interrupted, stderrTail });
    };
    // While the group's leader runs, the grace is enforced by killTimer; after it exits, by reapGroup.
    child.once('exit', () => clearTimeout(killTimer));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(killTimer);
      void finish({ code: null, signal: null, spawnError: error.code === 'ENOENT' ? 'command not found' : (error.code ?? error.message) });
    });
    // 'exit', not 'close': a workload's leftover background child may keep stderr open.
    // perf's last words may still be in the pipe, so give stderr a moment to drain.
    const stderrEnded = new Promise<void>((resolveEnd) => child.stderr!.once('end', resolveEnd));
    child.once('exit', (code, signal) => {
      const ended = releaseError === undefined ? { code, signal } : { code: null, signal: null, spawnError: releaseError };
      const drained = setTimeout(() => void finish(ended), STDERR_DRAIN_MS);
      void stderrEnded.then(() => {
        clearTimeout(drained);
        void finish(ended);
      });
    });
  });
}

/** underPerf: perf started the workload and speaks for how it ended. */
function classify(ended: Ended, spec: WorkloadSpec, underPerf: boolean): Pick<WorkloadOutcome, 'status' | 'exitCode' | 'signal' | 'error'> {
  const commandText = [spec.command, ...spec.args].join(' ');
  if (ended.spawnError !== undefined) {
    return { status: 'error', exitCode: null, signal: '', error: `failed to start "${commandText}": ${ended.spawnError}` };
  }
  if (ended.timedOut) {
    return { status: 'timed_out', exitCode: null, signal: 'SIGTERM', error: `killed after the ${spec.timeoutMs / 1000} s timeout` };
  }
  if (ended.interrupted) {
    return { status: 'interrupted', exitCode: null, signal: 'SIGTERM', error: 'the agent was stopped during the run' };
  }
  // setpriv (--workload-user) says so and exits 127 when the workload cannot be started.
  const notStarted = spec.user === undefined ? null : /setpriv: failed to execute (.*)/.exec(ended.stderrTail);
  if (ended.code === 127 && notStarted !== null) {
    return { status: 'error', exitCode: null, signal: '', error: `failed to start "${commandText}": ${notStarted[1]!.trim()}` };
  }
  if (underPerf) {
    // perf exits 255 when the workload cannot be started, and 0 when it was killed by a signal.
    const failed = /Workload failed: (.*)/.exec(ended.stderrTail);
    if (ended.code === 255 && failed) {
      return { status: 'error', exitCode: null, signal: '', error: `failed to start "${commandText}": ${failed[1]!.trim()}` };
    }
    const signal = ended.signal ?? signalFromPerfStderr(ended.stderrTail, spec.user === undefined ? spec.command : 'setpriv');
    if (signal !== undefined && signal !== null) {
      return { status: 'killed', exitCode: null, signal, error: `ended by ${signal}` };
    }
  } else if (ended.signal !== null) {
    return { status: 'killed', exitCode: null, signal: ended.signal, error: `ended by ${ended.signal}` };
  }
  const exitCode = ended.code ?? -1;
  return exitCode === 0
    ? { status: 'ok', exitCode, signal: '', error: '' }
    : { status: 'failed', exitCode, signal: '', error: `exited with code ${exitCode}` };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
