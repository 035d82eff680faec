import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ipmitoolRunner, type IpmitoolSession } from '../../agent/power/ipmi/ipmitool-runner.js';
import { processTimes } from '../../agent/workload/children-cpu-time.js';
import { ipmiSimulatorUnavailable, simulatorConnection, startIpmiSimulator } from '../support/ipmi-simulator.js';
import { median, spread } from './bench-statistics.js';

/** This process's children now (their pids), from /proc. */
function childPids(): number[] {
  return readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8')
      .split(' ')
      .filter((pid) => pid !== '')
      .map(Number),
  );
}

function cpuS(pid: number | 'self'): number {
  const times = processTimes(pid);
  return times.user + times.system;
}

/** One reading with a deadline as the power sampler sets one (power-sampler.ts: a controller and a timer, cleared after). */
async function readWithDeadline(runner: ReturnType<typeof ipmitoolRunner>): Promise<void> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), 5_000);
  try {
    await runner.run(['dcmi', 'power', 'reading'], deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The real ipmitool against ipmi_sim on loopback: a DCMI reading through one
 * process each, and through one long-lived shell session (issue 21: <= 0.5
 * ms of client CPU a reading), in wall time and, for the session, in CPU:
 * this process's (Node's side: writing the command, reading and splitting
 * the reply) and the ipmitool process's, from /proc.
 */
export async function ipmitoolCost(quick: boolean): Promise<void> {
  const unavailable = ipmiSimulatorUnavailable();
  if (unavailable !== undefined) {
    process.stdout.write(`ipmitool: not measured (${unavailable})\n`);
    return;
  }
  const readings = quick ? 100 : 400;
  const rounds = quick ? 3 : 5;
  const bmc = await startIpmiSimulator();
  bmc.setDcmi('262');
  const connection = simulatorConnection(bmc);
  const wallMs: Record<IpmitoolSession, number[]> = { process: [], shell: [] };
  const cpuMs = { node: [] as number[], ipmitool: [] as number[], both: [] as number[] };
  try {
    // One session for every round, as the agent keeps one: the rounds split its readings, so that a busy moment shows as spread.
    for (const session of ['process', 'shell'] as const) {
      const runner = ipmitoolRunner(connection, session);
      const before = new Set(childPids());
      await readWithDeadline(runner); // session set-up is not per reading
      const shellPid = session === 'shell' ? childPids().find((pid) => !before.has(pid)) : undefined;
      for (let round = 0; round < (session === 'process' ? 1 : rounds); round++) {
        const count = session === 'process' ? 40 : readings;
        const nodeBefore = cpuS('self');
        const ipmitoolBefore = shellPid === undefined ? 0 : cpuS(shellPid);
        for (let i = 0; i < count; i++) {
          const started = performance.now();
          await readWithDeadline(runner);
          wallMs[session].push(performance.now() - started);
        }
        if (shellPid === undefined) continue;
        const node = ((cpuS('self') - nodeBefore) / count) * 1000;
        const ipmitool = ((cpuS(shellPid) - ipmitoolBefore) / count) * 1000;
        cpuMs.node.push(node);
        cpuMs.ipmitool.push(ipmitool);
        cpuMs.both.push(node + ipmitool);
      }
      await runner.close();
    }
  } finally {
    await bmc.stop();
  }
  const wall = { process: median(wallMs.process), shell: median(wallMs.shell) };
  process.stdout.write(
    `ipmitool dcmi power reading (median wall time): process per reading ${wall.process.toFixed(2)} ms, ` +
      `shell session ${wall.shell.toFixed(2)} ms; ratio ${(wall.process / wall.shell).toFixed(1)}x\n` +
      `ipmitool shell session, client CPU per reading (${rounds} rounds of ${readings}, ms, min / median / max): ${spread(cpuMs.both, 2)} ` +
      `(Node ${spread(cpuMs.node, 2)}, ipmitool ${spread(cpuMs.ipmitool, 2)}; goal <= 0.5 ms)\n`,
  );
}
