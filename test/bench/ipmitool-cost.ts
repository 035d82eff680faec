import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ipmitoolRunner, type IpmitoolSession } from '../../agent/power/ipmi/ipmitool-runner.js';
import { processTimes } from '../../agent/workload/children-cpu-time.js';
import { ipmiSimulatorUnavailable, startIpmiSimulator } from '../support/ipmi-simulator.js';
import { median } from './bench-statistics.js';

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
  const bmc = await startIpmiSimulator();
  bmc.setDcmi('262');
  const wallMs: Partial<Record<IpmitoolSession, number>> = {};
  let nodeMs = 0;
  let ipmitoolMs = 0;
  try {
    for (const session of ['process', 'shell'] as const) {
      const runner = ipmitoolRunner(
        {
          ipmitoolPath: 'ipmitool',
          host: '127.0.0.1',
          port: bmc.port,
          user: bmc.user,
          password: bmc.password,
          cipherSuite: 3,
          extraArgs: [],
          timeoutMs: 5_000,
        },
        session,
      );
      const before = new Set(childPids());
      await runner.run(['dcmi', 'power', 'reading'], AbortSignal.timeout(5_000)); // session set-up is not per reading
      const shellPid = childPids().find((pid) => !before.has(pid));
      const count = session === 'process' ? Math.min(readings, 40) : readings;
      const times: number[] = [];
      const nodeBefore = cpuS('self');
      const ipmitoolBefore = shellPid === undefined ? 0 : cpuS(shellPid);
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await runner.run(['dcmi', 'power', 'reading'], AbortSignal.timeout(5_000));
        times.push(performance.now() - started);
      }
      if (session === 'shell') {
        nodeMs = ((cpuS('self') - nodeBefore) / count) * 1000;
        if (shellPid !== undefined) ipmitoolMs = ((cpuS(shellPid) - ipmitoolBefore) / count) * 1000;
      }
      await runner.close();
      wallMs[session] = median(times);
    }
  } finally {
    await bmc.stop();
  }
  process.stdout.write(
    `ipmitool dcmi power reading (median wall time): process per reading ${wallMs.process!.toFixed(2)} ms, ` +
      `shell session ${wallMs.shell!.toFixed(2)} ms; ratio ${(wallMs.process! / wallMs.shell!).toFixed(1)}x\n` +
      `ipmitool shell session, client CPU per reading (${readings} readings): ${(nodeMs + ipmitoolMs).toFixed(2)} ms ` +
      `(Node ${nodeMs.toFixed(2)} ms, ipmitool ${ipmitoolMs.toFixed(2)} ms; goal <= 0.5 ms)\n`,
  );
}
