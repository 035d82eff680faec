import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** attach: this perf can be attached to a gated workload (stat --control, perf 5.11 and later): the agent then reads the workload's exit status itself. */
export type PerfProbe = { ok: true; version: string; attach: boolean } | { ok: false; reason: string; fix: string };

const INSTALL_FIX =
  'install perf: "apt-get install linux-perf" (Debian), "apt-get install linux-tools-$(uname -r)" (Ubuntu), ' +
  '"dnf install perf" (RHEL, Fedora); or pass --perf-path, or run with --no-perf to record wall time and CPU time only';

/**
 * Says whether `perf stat` can count this user's own processes here, and if
 * not, why and how to fix it. Runs `perf --version` and one tiny `perf stat`.
 */
export async function probePerf(perfPath: string, paranoidFile = '/proc/sys/kernel/perf_event_paranoid'): Promise<PerfProbe> {
  const version = await run(perfPath, ['--version']);
  if (version.spawnError === 'ENOENT') {
    return { ok: false, reason: `perf is not installed ("${perfPath}" not found)`, fix: INSTALL_FIX };
  }
  if (version.spawnError !== undefined || version.code !== 0) {
    return { ok: false, reason: `"${perfPath} --version" failed: ${firstLine(version.stderr) || version.spawnError}`, fix: INSTALL_FIX };
  }
  const trial = await run(perfPath, ['stat', '-x,', '-e', 'task-clock', '--', 'true']);
  if (trial.code === 0) {
    // A perf before 5.11 answers --control as an unknown option.
    const control = await run(perfPath, ['stat', '-x,', '-e', 'task-clock', '--control', 'fd:0,1', '--', 'true']);
    return { ok: true, version: version.stdout.trim().replace(/^perf version\s*/, ''), attach: !/unknown option .?control/i.test(control.stderr) };
  }
  const paranoid = (await readFile(paranoidFile, 'utf8').catch(() => '')).trim();
  if (/paranoid|permission|not permitted|access to performance monitoring/i.test(trial.stderr)) {
    // Debian's and Ubuntu's kernels add a level 3 that refuses every unprivileged count, CAP_PERFMON included.
    const fix =
      Number(paranoid) > 2
        ? 'at 3 this kernel refuses perf to every process but root, CAP_PERFMON included: set it to 2 ("sysctl -w kernel.perf_event_paranoid=2", and at boot with a file in /etc/sysctl.d/; deploy/install.sh agent installs one), or run the agent as root; or pass --no-perf'
        : 'run "sysctl -w kernel.perf_event_paranoid=2" (persist it in /etc/sysctl.d/), or run the agent as root or with CAP_PERFMON; or pass --no-perf';
    return { ok: false, reason: `perf is not permitted to count (kernel.perf_event_paranoid is ${paranoid || 'unknown'})`, fix };
  }
  return { ok: false, reason: `"perf stat -e task-clock true" failed: ${firstLine(trial.stderr)}`, fix: INSTALL_FIX };
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

function run(file: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const spawnError = error !== null && typeof error.code === 'string' ? error.code : undefined;
      resolve({ code, stdout, stderr, ...(spawnError === undefined ? {} : { spawnError }) });
    });
  });
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}
