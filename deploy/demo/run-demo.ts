import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repositoryRoot } from '../../proto/repository-root.js';
import { runFleetDemo } from './fleet-demo.js';
import { ipmiSimUnavailable } from './ipmi-sim.js';
import { startSimulatedBmc } from './simulated-bmc.js';

/**
 * `npm run demo`: the whole pipeline on this machine. A private redis-server
 * (or REDIS_URL) and a collector on free loopback ports, the agent running
 * the bundled workload eleven times under perf with power sampled (the
 * original experiment's "eleven tests"), then an export and a report into
 * powerprof-out/. Everything it started is stopped at the end, also on
 * Ctrl-C, unless --serve keeps the collector up for Prometheus.
 *
 * With --simulated-bmc, power comes from a simulated BMC (OpenIPMI's
 * ipmi_sim) whose watts follow this machine's CPU load, read through the
 * real ipmitool over lanplus and labelled simulated everywhere: the seed
 * experiment's power trace on a laptop or a VM.
 *
 *   npm run demo [-- --quick] [-- --serve] [-- --simulated-bmc]
 */

const REPEAT = 11;
const outDir = join(process.cwd(), 'powerprof-out');
const agentMain = join(repositoryRoot, 'dist/agent/main.js');
const collectorMain = join(repositoryRoot, 'dist/collector/main.js');
const started: ChildProcess[] = [];
/** What else the demo started (the simulated BMC), stopped at the end. */
const stoppers: Array<() => Promise<void>> = [];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      serve: { type: 'boolean' },
      'simulated-bmc': { type: 'boolean' },
      fleet: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(
      'Usage: npm run demo [-- --quick] [-- --serve] [-- --simulated-bmc]\n' +
        '  --quick          fewer items per run and a short idle baseline (for CI)\n' +
        '  --serve          keep the collector running afterwards, for Prometheus\n' +
        "  --simulated-bmc  power from a SIMULATED BMC (OpenIPMI's ipmi_sim, read through ipmitool over\n" +
        "                   lanplus) whose watts follow this machine's CPU load; labelled simulated everywhere\n" +
        '  --fleet N        N agent daemons (2-8), one beside a noisy neighbour, one fleet experiment\n' +
        "                   dispatched to all by the collector, and the report's fleet view\n" +
        'REDIS_URL=redis://... uses that Redis instead of a private one.\n',
    );
    return 0;
  }
  const simulated = values['simulated-bmc'] === true;
  if (simulated) ensureSimulatorPackages();
  const fleet = values.fleet === undefined ? undefined : Number(values.fleet);
  if (fleet !== undefined && !(Number.isInteger(fleet) && fleet >= 2 && fleet <= 8))
    throw new UsageError(`--fleet takes a number of nodes from 2 to 8, not "${values.fleet}"`);
  const workload = chooseWorkload(values.quick === true);
  const idleSeconds = values.quick === true ? '1' : '5';
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const redisDir = mkdtempSync(join(tmpdir(), 'powerprof-demo-redis-'));
  // A shared Redis keeps this demo's keys apart under their own prefix.
  const keyPrefix = `powerprof-demo-${Date.now()}`;
  try {
    let redisUrl = process.env.REDIS_URL;
    if (redisUrl === undefined || redisUrl === '') {
      const redisPort = await freePort();
      redisUrl = `redis://127.0.0.1:${redisPort}`;
      step(`starting redis-server on 127.0.0.1:${redisPort} (private, in ${redisDir})`);
      const redis = background('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir]);
      await waitForLine(redis, /Ready to accept connections/);
    } else step(`using Redis at ${redisUrl} (REDIS_URL), keys under ${keyPrefix}:`);

    step(`starting the collector: gRPC 127.0.0.1:${grpcPort}, metrics http://127.0.0.1:${metricsPort}/metrics`);
    const collector = background(process.execPath, [
      collectorMain,
      'serve',
      '--redis',
      redisUrl,
      '--key-prefix',
      keyPrefix,
      '--grpc-listen',
      `127.0.0.1:${grpcPort}`,
      '--metrics-listen',
      `127.0.0.1:${metricsPort}`,
    ]);
    const collectorLog = collect(collector);
    await waitForLine(collector, /collector serving/);
    if (fleet !== undefined) {
      const fleetCode = await runFleetDemo({
        nodes: fleet,
        quick: values.quick === true,
        grpcPort,
        redisUrl,
        keyPrefix,
        workdir: redisDir,
        outDir,
        agentMain,
        collectorMain,
        collectorLog,
        step,
        background,
        capture,
      });
      if (fleetCode !== 0) return fleetCode;
      return await exportAndReport(redisUrl, keyPrefix, false);
    }

    let power: string[] = [];
    let agentEnv: NodeJS.ProcessEnv = process.env;
    if (simulated) {
      const bmc = await startSimulatedBmc();
      stoppers.push(() => bmc.stop());
      step(
        `starting a SIMULATED BMC (not a measurement): OpenIPMI's ipmi_sim on UDP 127.0.0.1:${bmc.sim.port}, its DCMI power reading ` +
          `${bmc.idleWatts} W idle + up to ${bmc.loadWatts} W with this machine's CPU load; the agent reads it through ipmitool over lanplus as "simulated-dcmi"`,
      );
      power = [
        '--power',
        'simulated-dcmi',
        '--ipmi-host',
        '127.0.0.1',
        '--ipmi-port',
        String(bmc.sim.port),
        '--ipmi-user',
        bmc.sim.user,
        '--ipmi-cipher-suite',
        '3',
      ];
      power.push('--pause-s', values.quick === true ? '1' : '3');
      agentEnv = { ...process.env, POWERPROF_IPMI_PASSWORD: bmc.sim.password };
    }
    if (workload.note !== undefined) step(workload.note);
    step(
      `running the agent: ${idleSeconds} s of idle power, then ${REPEAT} runs of "${workload.command.map((a) => relative(process.cwd(), a) || a).join(' ')}" under perf stat`,
    );
    const agentCode = await foreground(
      process.execPath,
      [
        // The bundled workload is trusted: it runs as whoever runs the demo, said explicitly.
        agentMain,
        'run',
        '--collector',
        `127.0.0.1:${grpcPort}`,
        '--spool',
        join(redisDir, 'spool'),
        '--workload-user',
        userInfo().username,
        '--repeat',
        String(REPEAT),
        '--workload',
        workload.name,
        '--interval-ms',
        '250',
        '--idle-s',
        idleSeconds,
        ...power,
        '--log-level',
        'warn',
        '--',
        ...workload.command,
      ],
      agentEnv,
    );
    if (agentCode !== 0) {
      process.stderr.write(`\ndemo: the agent exited with ${agentCode}; see its message above.\n`);
      return agentCode;
    }

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    step("the collector's /metrics now says:");
    for (const line of metrics.split('\n').filter((l) => /^powerprof_(runs_total|last_run_duration_seconds|workload_metric|run_energy_joules_total)/.test(l)))
      process.stdout.write(`    ${line}\n`);
    process.stdout.write(
      `\n    Prometheus scrapes it with: scrape_configs: [{ job_name: powerprof, static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }] }]\n`,
    );
    process.stdout.write(
      '    Grafana reads that Prometheus as a data source. The demo stops the collector at the end; "npm run demo -- --serve" keeps it up.\n',
    );

    const exported = await exportAndReport(redisUrl, keyPrefix, simulated);
    if (exported !== 0) return exported;

    if (values.serve === true) {
      step(`serving: metrics at http://127.0.0.1:${metricsPort}/metrics, gRPC at 127.0.0.1:${grpcPort}; Ctrl-C stops everything`);
      process.stdout.write(`    more runs:  npm run agent -- run --collector 127.0.0.1:${grpcPort} --repeat 11 -- COMMAND\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return 0;
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    for (const child of started.reverse()) child.kill('SIGTERM');
    await Promise.all(started.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve())));
    rmSync(redisDir, { recursive: true, force: true });
  }
}

/** The records into powerprof-out/: the CSVs and the report, then where they are. */
async function exportAndReport(redisUrl: string, keyPrefix: string, simulated: boolean): Promise<number> {
  step(`exporting to ${outDir}`);
  const exportCode = await foreground(process.execPath, [
    collectorMain,
    'export',
    '--redis',
    redisUrl,
    '--key-prefix',
    keyPrefix,
    '--out',
    outDir,
    '--log-level',
    'warn',
  ]);
  if (exportCode !== 0) return exportCode;
  const reportCode = await foreground(process.execPath, [
    collectorMain,
    'report',
    '--redis',
    redisUrl,
    '--key-prefix',
    keyPrefix,
    '--out',
    join(outDir, 'report.html'),
    '--log-level',
    'warn',
  ]);
  if (reportCode !== 0) return reportCode;
  summarize(readFileSync(join(outDir, 'runs.csv'), 'utf8'), simulated);
  return 0;
}

/**
 * The bundled ResNet-50 where onnxruntime-node is installed (an optional
 * dependency: x86_64 and arm64); elsewhere (ppc64le) the small dense network,
 * said plainly.
 */
function chooseWorkload(quick: boolean): { name: string; command: string[]; note?: string } {
  try {
    createRequire(import.meta.url).resolve('onnxruntime-node');
    return { name: 'resnet50', command: ['node', join(repositoryRoot, 'dist/deploy/workloads/resnet50/run-resnet50.js'), quick ? '4' : '20'] };
  } catch {
    return {
      name: 'synthetic-mlp',
      command: ['node', join(repositoryRoot, 'deploy/workloads/synthetic-mlp.js'), quick ? '200' : '1000'],
      note: `onnxruntime-node is not installed (no build for ${process.arch}): running the small dense network instead of ResNet-50`,
    };
  }
}

/** Where the results are, and plainly whether power was measured; the agent has printed its table of the runs. */
function summarize(runsCsv: string, simulated: boolean): void {
  const lines = runsCsv.trimEnd().split('\n');
  step(`${lines.length - 1} runs exported:`);
  for (const file of ['runs.csv', 'power.csv', 'counters.csv', 'report.html']) process.stdout.write(`    ${join(relative(process.cwd(), outDir), file)}\n`);
  if (simulated) {
    process.stdout.write(
      "\n    Power and energy here are SIMULATED: a model of this machine's CPU load behind a real IPMI session\n" +
        '    (source "simulated-dcmi" in power.csv and runs.csv, and in the report\'s title). Not a measurement.\n',
    );
  } else if (!lines[0]!.split(',').includes('energy_joules')) {
    process.stdout.write(
      '\n    No power meter works on this machine, so the runs have no energy (nothing is invented).\n' +
        '    "npm run agent -- probe" says why for each source (IPMI, hwmon, RAPL, NVIDIA).\n' +
        '    To see the whole seed experiment anyway (power over time, a rise at each run, energy per run), with\n' +
        "    watts from a SIMULATED BMC that follows this machine's CPU load: npm run demo -- --simulated-bmc\n",
    );
  }
}

/** ipmi_sim, ipmitool, gcc and OpenIPMI's headers: installed as install-deps.sh installs packages (root), or asked for. */
function ensureSimulatorPackages(): void {
  const missing = ipmiSimUnavailable();
  if (missing === undefined) return;
  const packages = 'openipmi libopenipmi-dev ipmitool gcc libc6-dev';
  if (process.getuid?.() !== 0) throw new Error(`the simulated BMC needs ${missing}; as root: apt-get install ${packages}`);
  step(`installing what the simulated BMC needs: ${packages}`);
  for (const command of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages.split(' ')],
  ]) {
    const installed = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (installed.status !== 0) throw new Error(`${command.join(' ')} failed; install ${packages} and run the demo again`);
  }
}

function step(text: string): void {
  process.stdout.write(`\n==> ${text}\n`);
}

function background(file: string, args: string[]): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return child;
}

function foreground(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'inherit', env });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** Everything a background process prints, kept as it comes. */
function collect(child: ChildProcess): () => string {
  let output = '';
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return () => output;
}

/** Runs a command to its end: its stdout returned, its stderr passed through. */
function capture(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', () => resolve({ code: 127, stdout }));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (pattern.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => reject(new Error(`could not start: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Bad flags: the demo says which and exits 2, as the commands do. */
class UsageError extends Error {}

process.once('SIGINT', () => process.stderr.write('\ndemo: interrupted; stopping what it started\n'));
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
