import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ipmitoolRunner, type IpmitoolSession } from '../../agent/power/ipmi/ipmitool-runner.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import { ipmiSimulatorUnavailable, startIpmiSimulator } from '../support/ipmi-simulator.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { agentMain } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';
import { occHwmonTree } from '../support/file-tree.js';
import { entryLayoutCpu } from './entry-layout-cpu.js';
import { ingestBench } from './ingest-bench.js';
import { redisEntrySize } from './redis-entry-size.js';
import { sinkBench } from './sink-bench.js';
import { soak } from './soak.js';

/**
 * `npm run bench`: what profiling costs the workload, and what a power
 * reading costs. The bundled workload
 * runs bare, under `perf stat` alone, and under the whole agent (perf, node
 * description, push to a real collector and Redis), interleaved round by
 * round so that drift of the machine hits all three alike. Prints medians
 * and ratios; it asserts nothing. `--quick` runs fewer rounds. Last, the
 * soak: agents under random collector and Redis restarts (soak.ts).
 */

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
// About 4 s a run (12 s in the full bench), so that a second of power sampling and pushing is measured in full.
const workload = [process.execPath, join(repositoryRoot, 'deploy/workloads/synthetic-mlp.js'), quick ? '2500' : '8000'];

function timeCommand(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${file} exited ${code}`))));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface AgentRound {
  processS: number;
  runS: number;
  cost: { agentCpuS: number; agentCpuDuringRunsS: number; agentCpuWhileWorkloadRanS: number; workloadCpuS: number; agentMaxRssMiB: number };
}

/** One `powerprof-agent run` of the workload with perf, power sampling (hwmon, 1 Hz) and delivery. */
function agentRound(collectorPort: number, spool: string, sysfs: string): Promise<AgentRound> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        agentMain,
        'run',
        '--log-level',
        'info',
        '--collector',
        `127.0.0.1:${collectorPort}`,
        '--node-id',
        'bench',
        '--spool',
        spool,
        '--power',
        'hwmon',
        '--sysfs-root',
        sysfs,
        '--idle-s',
        '0',
        '--events',
        'task-clock,context-switches,page-faults',
        '--',
        ...workload,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      const processS = (performance.now() - started) / 1000;
      const run = /run 1\/1\s+ok\s+([\d.]+) s/.exec(stderr);
      const finished = stderr.split('\n').find((line) => line.includes('"experiment finished"'));
      if (code !== 0 || run === null || finished === undefined) return reject(new Error(`agent exited ${code}:\n${stderr}`));
      resolve({ processS, runS: Number(run[1]), cost: JSON.parse(finished) as AgentRound['cost'] });
    });
  });
}

/**
 * Agent overhead: the workload bare, under perf stat alone, and under the
 * whole agent (perf, power sampling, counter intervals, push to a real
 * collector and Redis), interleaved round by round so that drift hits all
 * alike; and the agent's own CPU and memory.
 */
async function agentOverhead(): Promise<void> {
  const redis = await startRedisServer();
  const collector = await startTestCollector(redis.url);
  const spoolDir = mkdtempSync(join(tmpdir(), 'powerprof-bench-spool-'));
  const sysfs = occHwmonTree();
  const timings = { bare: [] as number[], perf: [] as number[], agentRun: [] as number[], agentProcess: [] as number[] };
  const costs: AgentRound['cost'][] = [];
  try {
    const [command, ...args] = workload as [string, ...string[]];
    for (let round = 1; round <= ROUNDS; round++) {
      timings.bare.push(await timeCommand(command, args));
      timings.perf.push(await timeCommand('perf', ['stat', '-x,', '-o', '/dev/null', '--', command, ...args]));
      const agent = await agentRound(collector.grpcPort, spoolDir, sysfs);
      timings.agentRun.push(agent.runS);
      timings.agentProcess.push(agent.processS);
      costs.push(agent.cost);
    }
    timings.bare.push(await timeCommand(command, args)); // closes the last round's bracket (below)
  } finally {
    await collector.shutdown();
    await redis.stop();
  }
  const bare = median(timings.bare);
  // The agent's own CPU from the workload's start to its exit, beside the workload's: what profiling takes from it.
  const cpuShare = median(costs.map((c) => c.agentCpuWhileWorkloadRanS / c.workloadCpuS));
  process.stdout.write(
    `workload: ${workload
      .slice(1)
      .map((a) => a.replace(repositoryRoot, ''))
      .join(' ')}, ${ROUNDS} interleaved rounds, medians (ratios: of each round's runs)\n`,
  );
  process.stdout.write(
    `bare: ${bare.toFixed(3)} s   under perf stat: ${median(timings.perf).toFixed(3)} s   the run under the agent: ${median(timings.agentRun).toFixed(3)} s   the agent process: ${median(timings.agentProcess).toFixed(3)} s\n`,
  );
  // Ratios are taken round by round, then the median: each run against the mean of the bare runs that
  // bracket it (its round's and the next). This VM's speed drifts (the same run has taken 1.6 s and
  // 3.0 s minutes apart); bracketing cancels a drift that is steady over a round.
  const paired = (runs: number[]): number => median(runs.map((value, i) => value / ((timings.bare[i]! + timings.bare[i + 1]!) / 2)));
  process.stdout.write(`perf overhead: wall ratio ${paired(timings.perf).toFixed(3)}\n`);
  process.stdout.write(
    `agent overhead: wall ratio ${paired(timings.agentRun).toFixed(3)} (the run; ${paired(timings.agentProcess).toFixed(3)} with the agent's start-up and delivery), ` +
      `agent CPU ${(cpuShare * 100).toFixed(2)} % of the workload's while it runs (${median(costs.map((c) => c.agentCpuWhileWorkloadRanS)).toFixed(3)} s beside ${median(costs.map((c) => c.workloadCpuS)).toFixed(1)} s; ` +
      `${median(costs.map((c) => c.agentCpuS)).toFixed(2)} s in all with start-up and delivery), ` +
      `agent RSS ${median(costs.map((c) => c.agentMaxRssMiB))} MiB peak\n`,
  );
}

/**
 * The real ipmitool against ipmi_sim on loopback: DCMI readings through one
 * process each, and through one long-lived shell session.
 */
async function ipmitoolCost(): Promise<void> {
  const unavailable = ipmiSimulatorUnavailable();
  if (unavailable !== undefined) {
    process.stdout.write(`ipmitool: not measured (${unavailable})\n`);
    return;
  }
  const readings = quick ? 10 : 40;
  const bmc = await startIpmiSimulator();
  bmc.setDcmi('262');
  const perReadingMs: Partial<Record<IpmitoolSession, number>> = {};
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
      await runner.run(['dcmi', 'power', 'reading'], AbortSignal.timeout(5_000)); // session set-up is not per reading
      const times: number[] = [];
      for (let i = 0; i < readings; i++) {
        const started = performance.now();
        await runner.run(['dcmi', 'power', 'reading'], AbortSignal.timeout(5_000));
        times.push(performance.now() - started);
      }
      await runner.close();
      perReadingMs[session] = median(times);
    }
  } finally {
    await bmc.stop();
  }
  process.stdout.write(
    `ipmitool dcmi power reading (${readings} readings, median): process per reading ${perReadingMs.process!.toFixed(2)} ms, ` +
      `shell session ${perReadingMs.shell!.toFixed(2)} ms; ratio ${(perReadingMs.process! / perReadingMs.shell!).toFixed(1)}x\n`,
  );
}

agentOverhead()
  .then(ipmitoolCost)
  .then(() => redisEntrySize(quick))
  .then(() => entryLayoutCpu(quick))
  .then(() => ingestBench(quick))
  .then((ingestRate) => sinkBench(quick, ingestRate))
  .then(() => soak(quick))
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
