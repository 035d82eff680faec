import { spawn } from 'node:child_process';
import { processTimes } from '../../agent/workload/children-cpu-time.js';
import { agentMain } from '../support/node-processes.js';
import { agentEnvironment, extraCaCertsNote } from './agent-environment.js';
import { spread } from './bench-statistics.js';

/** Invocations of each command in a row per round: the kernel counts children's CPU in 10 ms ticks. */
const IN_A_ROW = 5;

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore', env });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
  });
}

/** CPU seconds (user + system) of the children this process has waited for, its own descendants included. */
function reapedChildrenCpuS(): number {
  const times = processTimes('self');
  return times.childrenUser + times.childrenSystem;
}

/**
 * What starting the agent costs (issue 21: <= 0.15 s of CPU to the first
 * run): `--version`, `probe` (with the perf and other processes it starts)
 * and, for scale, `node -e 0`, interleaved round by round, each run
 * IN_A_ROW times and measured as the CPU of the reaped children (so the
 * process's exit and everything it started count). The CPU up to the first
 * run of `run` is the agent's own account, in agent-overhead.ts.
 */
export async function agentStartup(quick: boolean): Promise<void> {
  const rounds = quick ? 3 : 7;
  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    '--version': [agentMain, '--version'],
    probe: [agentMain, 'probe', '--log-level', 'silent'],
  };
  const shellEnvironment = process.env.NODE_EXTRA_CA_CERTS === undefined ? undefined : 'node -e 0 with NODE_EXTRA_CA_CERTS';
  if (shellEnvironment !== undefined) commands[shellEnvironment] = ['-e', '0'];
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, args] of Object.entries(commands)) {
      const env = name === shellEnvironment ? process.env : agentEnvironment();
      const before = reapedChildrenCpuS();
      for (let i = 0; i < IN_A_ROW; i++) await run(args, env);
      cpu[name]!.push((reapedChildrenCpuS() - before) / IN_A_ROW);
    }
  }
  process.stdout.write(
    `agent start-up, CPU per invocation (${rounds} interleaved rounds of ${IN_A_ROW}, s, min / median / max): ` +
      Object.entries(cpu)
        .map(([name, values]) => `${name} ${spread(values, 3)}`)
        .join(', ') +
      `${extraCaCertsNote()}\n`,
  );
}
