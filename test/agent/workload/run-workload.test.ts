import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventPresets } from '../../../agent/perf/event-presets.js';
import { probePerf } from '../../../agent/perf/probe-perf.js';
import { repositoryRoot } from '../../../proto/repository-root.js';
import { runWorkload, type PerfSpec, type WorkloadSpec } from '../../../agent/workload/run-workload.js';
import { busyFor, busyLoop, hardwareCountersUnavailable } from '../../support/perf-support.js';

const perf: PerfSpec = { perfPath: 'perf', attach: true, events: eventPresets.default!, intervalMs: 0 };
const never = new AbortController().signal;

function spec(command: string[], timeoutMs = 0): WorkloadSpec {
  const [first, ...args] = command;
  return { command: first!, args, timeoutMs, killGraceMs: 1_000 };
}

describe('runWorkload under real perf stat', () => {
  it('counts software events and measures time', async () => {
    const outcome = await runWorkload(spec(busyLoop), perf, never);
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.perfUsed, true);
    const taskClock = outcome.counters.find((c) => c.event === 'task-clock');
    assert.ok(taskClock !== undefined && taskClock.status === 'counted' && taskClock.unit === 'msec');
    assert.ok(taskClock.value! > 20, `task-clock ${taskClock.value} ms for a busy loop`);
    assert.ok(outcome.counters.find((c) => c.event === 'page-faults')!.value! > 0);
    assert.ok(outcome.durationMs >= taskClock.value! * 0.9, 'wall time covers the CPU time of a single-threaded loop');
    assert.ok(outcome.userCpuS + outcome.systemCpuS > 0.01, 'children CPU time is measured');
    assert.ok(outcome.endedTimeUnixMs >= outcome.startedTimeUnixMs);
    assert.deepEqual(
      outcome.counters.map((c) => c.event),
      [...eventPresets.default!],
      'one row per requested event, in order',
    );
  });

  it('records hardware events as not_supported where the PMU is absent, counted where present', async (t) => {
    const outcome = await runWorkload(spec(busyLoop), perf, never);
    const cycles = outcome.counters.find((c) => c.event === 'cycles')!;
    const reason = hardwareCountersUnavailable();
    if (reason !== undefined) {
      assert.equal(cycles.status, 'not_supported');
      assert.equal(cycles.value, null);
      t.skip(`counted hardware events not checked: ${reason}`);
      return;
    }
    assert.equal(cycles.status, 'counted');
    assert.ok(cycles.value! > 1_000_000);
    assert.ok(outcome.counters.find((c) => c.event === 'instructions')!.value! > 1_000_000);
  });

  it('records a non-zero exit code as failed', async () => {
    const outcome = await runWorkload(spec(['sh', '-c', 'exit 3']), perf, never);
    assert.deepEqual([outcome.status, outcome.exitCode, outcome.error], ['failed', 3, 'exited with code 3']);
  });

  it('tells a workload killed by a signal, which perf reports only on stderr', async () => {
    const outcome = await runWorkload(spec(['sh', '-c', 'kill -SEGV $$']), perf, never);
    assert.deepEqual([outcome.status, outcome.signal, outcome.exitCode], ['killed', 'SIGSEGV', null]);
  });

  it('kills a run after its timeout, with everything it started', async () => {
    const started = Date.now();
    const outcome = await runWorkload(spec(['sh', '-c', 'sleep 30 & sleep 30'], 300), perf, never);
    assert.equal(outcome.status, 'timed_out');
    assert.ok(Date.now() - started < 5_000, 'did not wait for the workload');
  });

  it('records a command that cannot start as an error', async () => {
    const outcome = await runWorkload(spec(['/nonexistent/workload']), perf, never);
    assert.equal(outcome.status, 'error');
    assert.equal(outcome.error, 'failed to start "/nonexistent/workload": command not found (no such file)');
  });

  it('marks a run stopped by the agent as interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await runWorkload(spec(['sleep', '30']), perf, controller.signal);
    assert.equal(outcome.status, 'interrupted');
  });
});

describe('runWorkload without perf', () => {
  it('records time, CPU time and exit status only', async () => {
    const outcome = await runWorkload(spec(busyLoop), undefined, never);
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.perfUsed, false);
    assert.deepEqual(outcome.counters, []);
    assert.ok(outcome.userCpuS + outcome.systemCpuS > 0.01);
  });

  it('reports signals and missing commands', async () => {
    const killed = await runWorkload(spec(['sh', '-c', 'kill -KILL $$']), undefined, never);
    assert.deepEqual([killed.status, killed.signal], ['killed', 'SIGKILL']);
    const missing = await runWorkload(spec(['/nonexistent/workload']), undefined, never);
    assert.deepEqual([missing.status, missing.error], ['error', 'failed to start "/nonexistent/workload": command not found (no such file)']);
    const offPath = await runWorkload(spec(['powerprof-no-such-command']), undefined, never);
    assert.deepEqual([offPath.status, offPath.error], ['error', 'failed to start "powerprof-no-such-command": command not found (not on PATH)']);
  });
});

describe('runWorkload: timeouts and intervals', () => {
  it('--timeout stops a workload that ignores SIGTERM, and its children', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'powerprof-pids-')), 'pids');
    const script = `trap "" TERM; sleep 60 & echo $! > ${pidFile}; sleep 60 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; wait`;
    const started = Date.now();
    const outcome = await runWorkload({ command: 'sh', args: ['-c', script], timeoutMs: 500, killGraceMs: 500 }, perf, never);
    assert.equal(outcome.status, 'timed_out');
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 3);
    for (const pid of pids) assert.ok(!isRunning(pid), `process ${pid} survived`);
  });

  it('--interval-ms streams at least 4 intervals of task-clock at 100 ms for a 0.5 s workload, before the run ends', async () => {
    const arrivals: Array<{ atMs: number; timeS: number; taskClock: number | null }> = [];
    const outcome = await runWorkload(
      { ...spec(busyFor(600)) },
      {
        ...perf,
        intervalMs: 100,
        onInterval: (interval) =>
          arrivals.push({ atMs: Date.now(), timeS: interval.timeS, taskClock: interval.rows.find((r) => r.event === 'task-clock')?.value ?? null }),
      },
      never,
    );
    assert.equal(outcome.status, 'ok');
    assert.ok(outcome.durationMs >= 450, `the workload ran ${outcome.durationMs} ms; this test needs about 0.5 s`);
    assert.ok(arrivals.length >= 4, `${arrivals.length} intervals`);
    // perf may print one last interval after the workload exited, with nothing (or <not counted>) in it.
    assert.ok(
      arrivals.slice(0, -1).every((a) => a.taskClock !== null && a.taskClock > 0),
      JSON.stringify(arrivals),
    );
    assert.ok(arrivals.filter((a) => a.atMs < outcome.endedTimeUnixMs).length >= 3, 'intervals arrive while the workload runs');
    assert.deepEqual(
      arrivals.map((a) => a.timeS),
      [...arrivals.map((a) => a.timeS)].sort((a, b) => a - b),
    );
    const total = outcome.counters.find((c) => c.event === 'task-clock')!;
    assert.equal(total.time_s, undefined, 'run totals are the --summary rows');
    assert.ok(Math.abs(total.value! - arrivals.reduce((sum, a) => sum + (a.taskClock ?? 0), 0)) < 5, 'the summary is the sum of the intervals');
    // The agent reaps the workload itself in interval mode: its CPU time is what perf's task-clock saw.
    const cpuS = outcome.userCpuS + outcome.systemCpuS;
    const taskClockS = total.value! / 1000;
    assert.ok(cpuS >= taskClockS * 0.8 && cpuS < taskClockS + 0.3, `workload CPU ${cpuS} s, task-clock ${taskClockS.toFixed(3)} s`);
  });
});

describe('runWorkload with --interval-ms records how the workload really ended', () => {
  const intervalPerf: PerfSpec = { ...perf, events: ['task-clock'], intervalMs: 100 };

  it('a non-zero exit code is failed, with that code (perf -I itself exits 0)', async () => {
    const outcome = await runWorkload(spec(['sh', '-c', 'sleep 0.3; exit 3']), intervalPerf, never);
    assert.deepEqual([outcome.status, outcome.exitCode, outcome.error], ['failed', 3, 'exited with code 3']);
    assert.ok(
      outcome.counters.some((c) => c.event === 'task-clock' && c.status === 'counted'),
      JSON.stringify(outcome.counters),
    );
  });

  it('a workload killed by a signal is killed, with that signal', async () => {
    const outcome = await runWorkload(spec(['sh', '-c', 'sleep 0.2; kill -SEGV $$']), intervalPerf, never);
    assert.deepEqual([outcome.status, outcome.signal, outcome.exitCode], ['killed', 'SIGSEGV', null]);
  });

  it('a successful run is ok, and perf counted it from its first instruction to its exit', async () => {
    const outcome = await runWorkload(spec(busyFor(300)), intervalPerf, never);
    assert.deepEqual([outcome.status, outcome.exitCode], ['ok', 0]);
    const taskClockS = outcome.counters.find((c) => c.event === 'task-clock')!.value! / 1000;
    const cpuS = outcome.userCpuS + outcome.systemCpuS;
    assert.ok(taskClockS >= cpuS * 0.8 - 0.02, `task-clock ${taskClockS} s against the CPU the workload got, ${cpuS} s`);
  });

  it('a command that does not exist is an error that says so, and never starts perf', async () => {
    const outcome = await runWorkload(spec(['powerprof-no-such-command', '--flag']), intervalPerf, never);
    assert.deepEqual([outcome.status, outcome.error], ['error', 'failed to start "powerprof-no-such-command --flag": command not found (not on PATH)']);
  });

  it('a timeout stops the workload and perf with it', async () => {
    const started = Date.now();
    const outcome = await runWorkload(spec(['sh', '-c', 'sleep 30 & sleep 30'], 300), intervalPerf, never);
    assert.equal(outcome.status, 'timed_out');
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  it("a perf that cannot count is an error in perf's own words, and the workload never runs", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'powerprof-gate-')), 'ran');
    const outcome = await runWorkload(spec(['sh', '-c', `touch ${marker}`]), { ...intervalPerf, events: ['no-such-event-xyz'] }, never);
    assert.equal(outcome.status, 'error');
    assert.match(outcome.error, /perf could not attach to the workload: event syntax error: 'no-such-event-xyz'/);
    assert.equal(existsSync(marker), false, 'the gate stayed shut');
  });
});

describe('runWorkload with a perf older than 5.11 (no --control)', () => {
  const oldPerf = join(repositoryRoot, 'test/support/bin/perf-before-control');

  it('is found out by the probe, which says perf cannot be attached', async () => {
    const probe = await probePerf(oldPerf);
    assert.ok(probe.ok);
    assert.equal(probe.attach, false);
    const current = await probePerf('perf');
    assert.ok(current.ok && current.attach, "this machine's perf can be attached");
  });

  it('then starts the workload itself, and still counts and records how it ended', async () => {
    const outcome = await runWorkload(spec(['sh', '-c', 'exit 3']), { perfPath: oldPerf, attach: false, events: ['task-clock'], intervalMs: 0 }, never);
    assert.deepEqual([outcome.status, outcome.exitCode], ['failed', 3]);
    assert.equal(outcome.counters.find((c) => c.event === 'task-clock')?.status, 'counted');
    const again = await runWorkload(spec(['sh', '-c', 'kill -SEGV $$']), { perfPath: oldPerf, attach: false, events: ['task-clock'], intervalMs: 0 }, never);
    assert.deepEqual([again.status, again.signal], ['killed', 'SIGSEGV']);
  });
});

describe("runWorkload under load: the exit code is the workload's, however quickly it ends", () => {
  it('a hundred quick workloads beside two busy processes: every one recorded as it exited', async () => {
    // perf stat itself exits 0 now and then in this case (its SIGCHLD handler wins over its wait).
    const busy = [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    try {
      for (let i = 0; i < 100; i++) {
        const outcome = await runWorkload(spec(['sh', '-c', `exit ${(i % 5) + 1}`]), perf, never);
        assert.deepEqual([outcome.status, outcome.exitCode], ['failed', (i % 5) + 1], `run ${i}`);
      }
    } finally {
      for (const process of busy) process.kill('SIGKILL');
    }
  });
});

/** Running, not a zombie: a killed orphan stays a zombie until its new parent reaps it (not every PID 1 does). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return false;
  }
}
