import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

/** What the fleet demo borrows from the demo: where things run, and how it starts and reports them. */
export interface FleetDemoContext {
  nodes: number;
  quick: boolean;
  grpcPort: number;
  redisUrl: string;
  keyPrefix: string;
  workdir: string;
  outDir: string;
  agentMain: string;
  collectorMain: string;
  /** The collector's log so far (for "agent waits for jobs"). */
  collectorLog: () => string;
  step: (text: string) => void;
  background: (file: string, args: string[]) => ChildProcess;
  capture: (file: string, args: string[]) => Promise<{ code: number; stdout: string }>;
}

/**
 * `npm run demo -- --fleet N`: N agent daemons with their own node ids on
 * this machine, one of them sharing its CPU with two busy loops (a noisy
 * neighbour, so that the nodes differ), one fleet experiment dispatched to
 * all of them by the collector, followed until done, and the report's fleet
 * view of it. Each daemon runs only what its config's allow-list names.
 */
export async function runFleetDemo(context: FleetDemoContext): Promise<number> {
  const { nodes, step } = context;
  const ids = Array.from({ length: nodes }, (_, i) => `fleet-${i + 1}`);
  const loaded = ids.at(-1)!;
  const cpus = availableParallelism();
  // The loaded node gets the last CPU, shared with two busy loops; the others the CPUs before it.
  const cpuOf = (index: number): number | undefined => (cpus < 2 ? undefined : index === nodes - 1 ? cpus - 1 : index % (cpus - 1));
  const size = context.quick ? '300' : '1000';
  for (const [index, node] of ids.entries()) {
    const cpu = cpuOf(index);
    const command = [
      ...(cpu === undefined ? [] : ['taskset', '-c', String(cpu)]),
      process.execPath,
      join(repositoryRoot, 'deploy/workloads/synthetic-mlp.js'),
      size,
    ];
    writeFileSync(
      join(context.workdir, `${node}.yaml`),
      [
        'agent:',
        `  collector: 127.0.0.1:${context.grpcPort}`,
        `  node_id: ${node}`,
        `  spool: ${join(context.workdir, `spool-${node}`)}`,
        '  power: none',
        '  idle_s: 0',
        '  log_level: warn',
        '  workloads:',
        `    mlp: ${JSON.stringify(command)}`,
        '',
      ].join('\n'),
    );
  }
  step(
    `starting ${nodes} agent daemons (${ids.join(', ')}), each allowed to run only "mlp" (the small dense network)` +
      (cpus < 2 ? '' : `; ${loaded} shares CPU ${cpus - 1} with two busy loops, a noisy neighbour`),
  );
  for (const node of ids) context.background(process.execPath, [context.agentMain, 'daemon', '--config', join(context.workdir, `${node}.yaml`)]);
  for (let waited = 0; !ids.every((node) => context.collectorLog().includes(`"node":"${node}","workloads"`)); waited += 200) {
    if (waited > 60_000) throw new Error(`the daemons did not connect to the collector within a minute:\n${context.collectorLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (cpus >= 2) {
    // Each in a session of its own: the scheduler shares a CPU between sessions (autogroups), so two loops of one
    // session would together take only as much as the workload.
    for (let i = 0; i < 2; i++) context.background('setsid', ['taskset', '-c', String(cpus - 1), 'sh', '-c', 'while :; do :; done']);
  }

  const repeat = context.quick ? '3' : '5';
  step(`one fleet experiment, "mlp" x${repeat} on fleet-*: powerprof-collector experiment start --nodes 'fleet-*' --repeat ${repeat} -- mlp`);
  const redis = ['--redis', context.redisUrl, '--key-prefix', context.keyPrefix];
  const started = await context.capture(process.execPath, [
    context.collectorMain,
    'experiment',
    'start',
    ...redis,
    '--nodes',
    'fleet-*',
    '--repeat',
    repeat,
    '--',
    'mlp',
  ]);
  process.stdout.write(started.stdout.replace(/^/gm, '    '));
  const id = /^experiment ([0-9a-f-]{36}):/m.exec(started.stdout)?.[1];
  if (started.code !== 0 || id === undefined) return started.code === 0 ? 1 : started.code;

  let status = '';
  for (let waited = 0; !new RegExp(`${nodes} of ${nodes} node\\(s\\) done`).test(status); waited += 1_000) {
    if (waited > 600_000) throw new Error(`the fleet experiment did not finish within 10 minutes:\n${status}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    status = (await context.capture(process.execPath, [context.collectorMain, 'experiment', 'status', id, ...redis])).stdout;
  }
  step(`powerprof-collector experiment status ${id}:`);
  process.stdout.write(status.replace(/^/gm, '    '));

  mkdirSync(context.outDir, { recursive: true });
  const report = join(context.outDir, 'fleet-report.html');
  const made = await context.capture(process.execPath, [context.collectorMain, 'report', ...redis, '--experiment', id, '--out', report, '--log-level', 'warn']);
  if (made.code !== 0) return made.code;
  step(`the fleet view: ${report} ("Nodes side by side": ${loaded}, beside its noisy neighbour, should stand out)`);
  openInBrowser(report);
  return 0;
}

/** On a desktop (a display and xdg-open), the report opens in the browser; elsewhere its path above is the way in. */
function openInBrowser(file: string): void {
  if (process.env.DISPLAY === undefined && process.env.WAYLAND_DISPLAY === undefined) return;
  if (spawnSync('sh', ['-c', 'command -v xdg-open']).status !== 0) return;
  spawn('xdg-open', [file], { detached: true, stdio: 'ignore' }).unref();
}
