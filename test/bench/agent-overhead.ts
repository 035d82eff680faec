import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repositoryRoot } from '../../proto/repository-root.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { occHwmonTree } from '../support/file-tree.js';
import { agentMain } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';
import { agentEnvironment, extraCaCertsNote } from './agent-environment.js';
import { median, spread } from './bench-statistics.js';

interface AgentCost {
  agentCpuS: number;
  agentCpuBeforeFirstRunS: number;
  agentCpuWhileWorkloadRanS: number;
  workloadCpuS: number;
  agentMaxRssMiB: number;
}

interface AgentRound {
  processS: number;
  runS: number;
  cost: AgentCost;
}

/** The agent's settings in each overhead round: power from hwmon at 1 Hz, three software events (all this VM counts). */
const AGENT_SETTINGS = {
  power: ['--power', 'hwmon', '--idle-s', '0'],
  events: ['--events', 'task-clock,context-switches,page-faults'],
  intervals: ['--interval-ms', '100'],
};

function timeCommand(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${file} exited ${code}`))));
  });
}

/** One `powerprof-agent run` of the workload with perf, power sampling (hwmon, 1 Hz) and delivery; its own account of what it cost. */
function agentRound(collectorPort: number, spool: string, sysfs: string, workload: string[], extra: string[]): Promise<AgentRound> {
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
        ...AGENT_SETTINGS.power,
        '--sysfs-root',
        sysfs,
        ...AGENT_SETTINGS.events,
        ...extra,
        '--',
        ...workload,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: agentEnvironment() },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      const processS = (performance.now() - started) / 1000;
      const run = /run 1\/1\s+ok\s+([\d.]+) s/.exec(stderr);
      const finished = stderr.split('\n').find((line) => line.includes('"experiment finished"'));
      if (code !== 0 || run === null || finished === undefined) return reject(new Error(`agent exited ${code}:\n${stderr}`));
      resolve({ processS, runS: Number(run[1]), cost: JSON.parse(finished) as AgentCost });
    });
  });
}

/**
 * Agent overhead (issue 21): the workload bare, under perf stat alone, and
 * under the whole agent (perf, power sampling, push to a real collector and
 * Redis) without and with 10 Hz counter intervals, interleaved round by
 * round so that drift hits all alike. The agent's own CPU beside the
 * workload (it measures it: its process's CPU from the workload's start to
 * its exit), its CPU from start-up to the first run's start, and its peak
 * RSS, each as min / median / max over the rounds.
 */
export async function agentOverhead(quick: boolean): Promise<void> {
  const rounds = quick ? 3 : 7;
  // About 4 s a run (12 s in the full bench), so that seconds of power sampling and intervals are measured in full.
  const workload = [process.execPath, join(repositoryRoot, 'deploy/workloads/synthetic-mlp.js'), quick ? '2500' : '8000'];
  const redis = await startRedisServer();
  const collector = await startTestCollector(redis.url);
  const spoolDir = mkdtempSync(join(tmpdir(), 'powerprof-bench-spool-'));
  const sysfs = occHwmonTree();
  const timings = { bare: [] as number[], perf: [] as number[], agentRun: [] as number[], agentProcess: [] as number[] };
  const costs = { power: [] as AgentCost[], intervals: [] as AgentCost[] };
  try {
    const [command, ...args] = workload as [string, ...string[]];
    await agentRound(collector.grpcPort, spoolDir, sysfs, workload, AGENT_SETTINGS.intervals); // leaves the code cache, as a node's first start does
    for (let round = 1; round <= rounds; round++) {
      timings.bare.push(await timeCommand(command, args));
      timings.perf.push(await timeCommand('perf', ['stat', '-x,', '-o', '/dev/null', '--', command, ...args]));
      const agent = await agentRound(collector.grpcPort, spoolDir, sysfs, workload, []);
      timings.agentRun.push(agent.runS);
      timings.agentProcess.push(agent.processS);
      costs.power.push(agent.cost);
      costs.intervals.push((await agentRound(collector.grpcPort, spoolDir, sysfs, workload, AGENT_SETTINGS.intervals)).cost);
    }
    timings.bare.push(await timeCommand(command, args)); // closes the last round's bracket (below)
  } finally {
    await collector.shutdown();
    await redis.stop();
  }
  const bare = median(timings.bare);
  process.stdout.write(
    `workload: ${workload
      .slice(1)
      .map((a) => a.replace(repositoryRoot, ''))
      .join(' ')}, ${rounds} interleaved rounds, medians (ratios: of each round's runs)\n`,
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
    `agent overhead: wall ratio ${paired(timings.agentRun).toFixed(3)} (the run; ${paired(timings.agentProcess).toFixed(3)} with the agent's start-up and delivery)\n`,
  );
  const settings = `power from hwmon at 1 Hz, events ${AGENT_SETTINGS.events[1]}`;
  for (const [name, label, goal] of [
    ['power', `${settings}, no intervals`, '0.3 %'],
    ['intervals', `${settings}, --interval-ms 100`, '1 %'],
  ] as const) {
    const list = costs[name];
    const share = spread(
      list.map((c) => (c.agentCpuWhileWorkloadRanS / c.workloadCpuS) * 100),
      2,
    );
    process.stdout.write(
      `agent CPU beside the workload (${label}): ${share} % of the workload's (min / median / max; goal <= ${goal}); ` +
        `${median(list.map((c) => c.agentCpuWhileWorkloadRanS)).toFixed(3)} s beside ${median(list.map((c) => c.workloadCpuS)).toFixed(1)} s, ` +
        `${median(list.map((c) => c.agentCpuS)).toFixed(2)} s in all with start-up and delivery; peak RSS ${spread(
          list.map((c) => c.agentMaxRssMiB),
          0,
        )} MiB\n`,
    );
  }
  const toFirstRun = spread(
    [...costs.power, ...costs.intervals].map((c) => c.agentCpuBeforeFirstRunS),
    3,
  );
  process.stdout.write(`agent CPU from its start to the first run's start (run): ${toFirstRun} s (min / median / max; goal <= 0.15 s)${extraCaCertsNote()}\n`);
}
