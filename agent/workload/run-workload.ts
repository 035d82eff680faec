import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parsePerfStat, type PerfStatRow } from '../perf/parse-perf-stat.js';
import { reapedChildrenCpuTime } from './children-cpu-time.js';
import { signalFromPerfStderr } from './signal-names.js';

export type RunStatusWord = 'ok' | 'failed' | 'killed' | 'timeout' | 'interrupted' | 'error';

export interface WorkloadSpec {
  command: string;
  args: string[];
  /** Kill the workload after this long; 0 means never. */
  timeoutMs: number;
}

export interface PerfSpec {
  perfPath: string;
  events: readonly string[];
}

export interface WorkloadOutcome {
  status: RunStatusWord;
  startedTimeUnixMs: number;
  endedTimeUnixMs: number;
  durationMs: number;
  exitCode: number | null;
  signal: string;
  error: string;
  counters: PerfStatRow[];
  userCpuS: number;
  systemCpuS: number;
  perfUsed: boolean;
}

const KILL_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES = 4_096;
const STDERR_DRAIN_MS = 1_000;

/**
 * Runs the workload once, under `perf stat -x, -o FILE` when perf is given.
 * The workload's stdin and stdout are the agent's; its stderr passes through
 * the agent byte for byte (perf reports a killing signal only there). The
 * workload runs in its own process group so a timeout or an interrupt can
 * stop it and everything it started.
 */
export async function runWorkload(spec: WorkloadSpec, perf: PerfSpec | undefined, interrupt: AbortSignal): Promise<WorkloadOutcome> {
  const outputDir = perf === undefined ? undefined : await mkdtemp(join(tmpdir(), 'powerprof-perf-'));
  const perfOutput = outputDir === undefined ? undefined : join(outputDir, 'perf-stat.csv');
  const [file, args] =
    perf === undefined || perfOutput === undefined
      ? [spec.command, spec.args]
      : [perf.perfPath, ['stat', '-x,', '-o', perfOutput, '-e', perf.events.join(','), '--', spec.command, ...spec.args]];

  const cpuBefore = reapedChildrenCpuTime();
  const startedTimeUnixMs = Date.now();
  const startedAt = performance.now();
  // perf prints "3202,39" in a decimal-comma locale, which CSV cannot tell from two fields.
  const environment = perf === undefined ? process.env : { ...process.env, LC_NUMERIC: 'C' };
  const ended = await spawnAndWait(file, args, environment, spec.timeoutMs, interrupt);
  const durationMs = performance.now() - startedAt;
  const endedTimeUnixMs = Date.now();
  const cpuAfter = reapedChildrenCpuTime();

  let counters: PerfStatRow[] = [];
  if (perfOutput !== undefined) {
    const parsed = parsePerfStat(await readFile(perfOutput, 'utf8').catch(() => ''));
    if (parsed.ok) counters = parsed.rows;
    await rm(outputDir!, { recursive: true, force: true });
  }
  return {
    ...classify(ended, spec, perf !== undefined),
    startedTimeUnixMs,
    endedTimeUnixMs,
    durationMs,
    counters,
    userCpuS: round(cpuAfter.user - cpuBefore.user),
    systemCpuS: round(cpuAfter.system - cpuBefore.system),
    perfUsed: perf !== undefined,
  };
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: string;
  timedOut: boolean;
  interrupted: boolean;
  stderrTail: string;
}

function spawnAndWait(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, interrupt: AbortSignal): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['inherit', 'inherit', 'pipe'], detached: true, env });
    let stderrTail = '';
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;

    const stopGroup = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timeout = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), stopGroup()), timeoutMs) : undefined;
    const onInterrupt = (): void => {
      interrupted = true;
      stopGroup();
    };
    interrupt.addEventListener('abort', onInterrupt, { once: true });
    if (interrupt.aborted) onInterrupt();

    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    let finished = false;
    const finish = (ended: Omit<Ended, 'timedOut' | 'interrupted' | 'stderrTail'>): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      interrupt.removeEventListener('abort', onInterrupt);
      resolve({ ...ended, timedOut, interrupted, stderrTail });
    };
    child.once('error', (error: NodeJS.ErrnoException) => finish({ code: null, signal: null, spawnError: error.code ?? error.message }));
    // 'exit', not 'close': a workload's leftover background child may keep stderr open.
    // perf's last words may still be in the pipe, so give stderr a moment to drain.
    const stderrEnded = new Promise<void>((resolveEnd) => child.stderr.once('end', resolveEnd));
    child.once('exit', (code, signal) => {
      const drained = setTimeout(() => finish({ code, signal }), STDERR_DRAIN_MS);
      void stderrEnded.then(() => {
        clearTimeout(drained);
        finish({ code, signal });
      });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function classify(ended: Ended, spec: WorkloadSpec, underPerf: boolean): Pick<WorkloadOutcome, 'status' | 'exitCode' | 'signal' | 'error'> {
  const commandText = [spec.command, ...spec.args].join(' ');
  if (ended.spawnError !== undefined) {
    const what = ended.spawnError === 'ENOENT' ? 'command not found' : ended.spawnError;
    return { status: 'error', exitCode: null, signal: '', error: `failed to start "${commandText}": ${what}` };
  }
  if (ended.timedOut) {
    return { status: 'timeout', exitCode: null, signal: 'SIGTERM', error: `killed after the ${spec.timeoutMs / 1000} s timeout` };
  }
  if (ended.interrupted) {
    return { status: 'interrupted', exitCode: null, signal: 'SIGTERM', error: 'the agent was stopped during the run' };
  }
  if (underPerf) {
    // perf exits 255 when the workload cannot be started, and 0 when it was killed by a signal.
    const failed = /Workload failed: (.*)/.exec(ended.stderrTail);
    if (ended.code === 255 && failed) {
      return { status: 'error', exitCode: null, signal: '', error: `failed to start "${commandText}": ${failed[1]!.trim()}` };
    }
    const signal = ended.signal ?? signalFromPerfStderr(ended.stderrTail, spec.command);
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
