import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * perf does not reliably say how the workload it started ended: `perf stat
 * -I` never reaps it and exits 0 whatever it did, and plain `perf stat`
 * exits 0 now and then under load when the workload ends quickly. So the
 * agent starts the workload itself, held at a gate, attaches perf to it
 * (`-p PID`, counting everything it starts), waits until perf's control
 * channel answers — the counters are open and enabled by then — and only
 * then opens the gate. The agent is the workload's parent and reads its
 * real exit code or signal.
 */

/**
 * The gate: waits for one line on fd 3, then becomes the workload (same pid,
 * fd 3 closed). Should the agent die first, the read ends without a line and
 * the workload never starts.
 */
const GATE_SCRIPT = 'IFS= read -r _ <&3 || exit 125; exec "$@" 3<&-';

export function gatedCommand(command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: 'sh', args: ['-c', GATE_SCRIPT, 'powerprof-gate', command, ...args] };
}

/** Opens the gate: the workload starts. */
export function openGate(gate: Writable): void {
  gate.end('go\n');
}

export interface AttachedPerf {
  process: ChildProcess;
  /** Resolves when perf has exited. */
  exited: Promise<void>;
}

export type AttachResult = { ok: true; perf: AttachedPerf } | { ok: false; error: string };

/** perf's args for counting a running process (--no-scale: raw counts; every intervalMs too, when not 0), told through fds 3 (commands) and 4 (acks). */
export function attachedPerfArgs(events: readonly string[], intervalMs: number, pid: number, outputFile: string): string[] {
  const interval = intervalMs > 0 ? ['-I', String(intervalMs), '--summary'] : [];
  return ['stat', '-x,', '--no-scale', '-o', outputFile, '-e', events.join(','), ...interval, '-p', String(pid), '--control', 'fd:3,4'];
}

/**
 * Starts perf on the process and resolves once perf acks a `ping` on its
 * control channel (its counters are counting), or with perf's own words when
 * it exits or stays silent first.
 */
export function attachPerf(perfPath: string, args: readonly string[], env: NodeJS.ProcessEnv, readyTimeoutMs: number): Promise<AttachResult> {
  return new Promise((resolve) => {
    const child = spawn(perfPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true, env });
    const exited = new Promise<void>((resolveExit) => child.once('close', () => resolveExit()));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString('utf8')).slice(-2_048);
    });
    let settled = false;
    const settle = (result: AttachResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (why: string): void => {
      if (settled) return;
      child.kill('SIGKILL');
      // perf's reason, not the usage text it may print after it.
      const lines = stderr
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      const said = lines.find((line) => /error|cannot|can't|failed|invalid|not supported|permission|paranoid/i.test(line)) ?? lines.at(-1);
      settle({ ok: false, error: `perf could not attach to the workload: ${said !== undefined && said !== '' ? said : why}` });
    };
    const timer = setTimeout(
      () => fail(`no answer on its control channel within ${readyTimeoutMs} ms (perf stat --control needs perf 5.11 or later)`),
      readyTimeoutMs,
    );
    child.once('error', (error: NodeJS.ErrnoException) =>
      settle({ ok: false, error: `failed to start "${perfPath}": ${error.code === 'ENOENT' ? 'command not found' : error.message}` }),
    );
    child.once('exit', (code, signal) => fail(`perf exited (${signal ?? `code ${code}`}) before it counted`));
    const control = child.stdio[3] as Writable;
    const acks = child.stdio[4] as NodeJS.ReadableStream;
    let answered = '';
    acks.on('data', (chunk: Buffer) => {
      answered += chunk.toString('latin1');
      if (answered.includes('ack')) settle({ ok: true, perf: { process: child, exited } });
    });
    control.on('error', () => undefined); // perf gone: its exit says why
    control.write('ping\n');
  });
}
