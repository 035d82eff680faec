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
  /** perf can be attached to the gated workload (probePerf says so); otherwise perf starts the workload itself. */
  attach: boolean;
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
/** Once the workload has exited and perf was told to stop (SIGINT: it prints its totals), how long it has before SIGKILL. */
const PERF_EXIT_GRACE_MS = 5_000;

/**
 * Runs the workload once: alone, or counted by perf. With perf, the agent
 * starts the workload itself, held at a gate, attaches perf to it and opens
 * the gate once perf counts (attached-perf.ts): the agent is the workload's
 * parent and reads its exit code or signal itself, because perf's word is
 * not to be trusted — `perf stat -I` exits 0 whatever the workload did, and
 * even plain `perf stat` exits 0 now and then on a loaded machine when the
 * workload ends quickly (a race between its SIGCHLD handler and its wait).
 * A perf too old for that (before 5.11: no --control; probePerf tells)
 * starts the workload itself, and its word is taken. The
 * workload's stdin and stdout are the agent's; its stderr passes through
 * the agent byte for byte. The workload runs in its own process group so a
 * timeout or an interrupt can stop it and everything it started.
 */
export async function runWorkload(spec: WorkloadSpec, perf: PerfSpec | undefined, interrupt: AbortSignal): Promise<WorkloadOutcome> {
  // perf prints "3202,39" in a decimal-comma locale, which CSV cannot tell from two fields.
  const base = spec.user === undefined ? process.env : userEnvironment(spec.user, process.env);
  const environment = perf === undefined ? base : { ...base, LC_NUMERIC: 'C' };
  const found = findExecutable(spec.command, environment);
  if (!found.ok) return notStarted(spec, perf, Date.now(), found.error);
  const mode: PerfMode = perf === undefined ? 'alone' : perf.attach ? 'attached' : 'forked';
  return runOnce(spec, perf, mode, environment, interrupt);
}

/**
 * alone: the workload, no perf. attached: gated, perf -p on it. forked:
 * perf starts it (`perf stat -x, -o FILE [-I N] -- COMMAND`).
 */
type PerfMode = 'alone' | 'attached' | 'forked';

async function runOnce(
  spec: WorkloadSpec,
  perf: PerfSpec | undefined,
  mode: PerfMode,
  environment: NodeJS.ProcessEnv,
  interrupt: AbortSignal,
): Promise<WorkloadOutcome> {
  const outputDir = perf === undefined ? undefined : await mkdtemp(join(tmpdir(), 'powerprof-perf-'));
  const perfOutput = outputDir === undefined ? '' : join(outputDir, 'perf-stat.csv');
  const workload = spec.user === undefined ? { command: spec.command, args: spec.args } : asUser(spec.user, spec.command, spec.args);
  const { command: file, args } =
    perf === undefined
      ? workload
      : mode === 'attached'
        ? gatedCommand(workload.command, workload.args)
        : { command: perf.perfPath, args: [...perfStatArgs(perf, perfOutput), '--', workload.command, ...workload.args] };
  const intervals: IntervalRows[] = [];
  const tail =
    perf !== undefined && perf.intervalMs > 0
      ? new IntervalTail(perfOutput, tailPollMs(perf.intervalMs), (interval) => {
          intervals.push(interval);
          perf.onInterval?.(interval);
        })
      : undefined;

  const metrics = new WorkloadMetricsCollector();
  const cpuBefore = reapedChildrenCpuTime();
  // The run starts when the workload may (the gate opens, once perf counts); it ends when the workload exits.
  let startedAt = performance.now();
  let startedTimeUnixMs = Date.now();
  const agentCpuBefore = process.cpuUsage();
  let attachedPerf: AttachedPerf | undefined;
  const release =
    perf !== undefined && mode === 'attached'
      ? async (pid: number, gate: Writable): Promise<string | undefined> => {
          const result = await attachPerf(perf.perfPath, attachedPerfArgs(perf.events, perf.intervalMs, pid, perfOutput), environment, ATTACH_TIMEOUT_MS);
          if (!result.ok) return result.error;
          attachedPerf = result.perf;
          tail?.start();
          startedAt = performance.now();
          startedTimeUnixMs = Date.now();
          openGate(gate);
          return undefined;
        }
      : undefined;
  if (mode === 'forked') tail?.start();
  const ended = await spawnAndWait(file, args, environment, spec, interrupt, (chunk) => metrics.push(chunk), release);
  if (attachedPerf !== undefined) await stopPerf(attachedPerf);
  const agentCpu = process.cpuUsage(agentCpuBefore);
  const durationMs = Math.max(0, ended.exitedAt.monotonicMs - startedAt);
  const endedTimeUnixMs = Math.max(startedTimeUnixMs, ended.exitedAt.unixMs);
  const cpuAfter = reapedChildrenCpuTime();

  let counters: PerfStatRow[] = [];
  if (tail !== undefined) {
    await tail.finish();
    counters = tail.totals.length > 0 ? tail.totals : sumIntervals(intervals);
  } else if (perf !== undefined) {
    const parsed = parsePerfStat(await readFile(perfOutput, 'utf8').catch(() => ''));
    if (parsed.ok) counters = parsed.rows;
  }
  if (outputDir !== undefined) await rm(outputDir, { recursive: true, force: true });
  return {
    ...classify(ended, spec, mode === 'forked'),
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

/** The workload has exited: perf is told to stop (SIGINT: it reads and prints its totals at once), and killed if it hangs. */
async function stopPerf(perf: AttachedPerf): Promise<void> {
  perf.process.kill('SIGINT');
  const killTimer = setTimeout(() => perf.process.kill('SIGKILL'), PERF_EXIT_GRACE_MS);
  await perf.exited;
  clearTimeout(killTimer);
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the workload (or perf, its leader when perf started it) exited: the run's end. */
  exitedAt: { monotonicMs: number; unixMs: number };
  spawnError?: string;
  timedOut: boolean;
  interrupted: boolean;
  stderrTail: string;
}

/** perf starting the workload itself (a perf without --control). --no-scale: values are raw counts; the scaled estimate is computed where a counter was multiplexed. */
function perfStatArgs(perf: PerfSpec, outputFile: string): string[] {
  const interval = perf.intervalMs > 0 ? ['-I', String(perf.intervalMs), '--summary'] : [];
  return ['stat', '-x,', '--no-scale', '-o', outputFile, '-e', perf.events.join(','), ...interval];
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
      void finish({
        code: null,
        signal: null,
        exitedAt: { monotonicMs: performance.now(), unixMs: Date.now() },
        spawnError: error.code === 'ENOENT' ? 'command not found' : (error.code ?? error.message),
      });
    });
    // 'exit', not 'close': a workload's leftover background child may keep stderr open.
    // perf's last words may still be in the pipe, so give stderr a moment to drain.
    const stderrEnded = new Promise<void>((resolveEnd) => child.stderr!.once('end', resolveEnd));
    child.once('exit', (code, signal) => {
      const exitedAt = { monotonicMs: performance.now(), unixMs: Date.now() };
      const ended = releaseError === undefined ? { code, signal, exitedAt } : { code: null, signal: null, exitedAt, spawnError: releaseError };
      const drained = setTimeout(() => void finish(ended), STDERR_DRAIN_MS);
      void stderrEnded.then(() => {
        clearTimeout(drained);
        void finish(ended);
      });
    });
  });
}

/** underPerf: perf started the workload and speaks for how it ended (perf -I: it cannot, and says 0). */
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
  return exitCode === 0 ? { status: 'ok', exitCode, signal: '', error: '' } : { status: 'failed', exitCode, signal: '', error: `exited with code ${exitCode}` };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/**
 * How often perf's interval file is read: each interval's rows as they come
 * would be ten wake-ups a second at --interval-ms 100, for records that wait
 * up to a second in the spool for company anyway (SHIP_LINGER_MS). A read
 * takes every interval written since.
 */
function tailPollMs(intervalMs: number): number {
  return Math.min(1_000, Math.max(250, intervalMs));
}
