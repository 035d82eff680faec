import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repositoryRoot } from '../../proto/repository-root.js';

/**
 * `npm run demo`: the whole pipeline on this machine. A private redis-server
 * (or REDIS_URL) and a collector on free loopback ports, the agent running
 * the bundled workload eleven times under perf with power sampled (the
 * original experiment's "eleven tests"), then an export and a report into
 * powerprof-out/. Everything it started is stopped at the end, also on
 * Ctrl-C, unless --serve keeps the collector up for Prometheus.
 *
 *   npm run demo [-- --quick] [-- --serve]
 */

const REPEAT = 11;
const outDir = join(process.cwd(), 'powerprof-out');
const agentMain = join(repositoryRoot, 'dist/agent/main.js');
const collectorMain = join(repositoryRoot, 'dist/collector/main.js');
const started: ChildProcess[] = [];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, serve: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    process.stdout.write(
      'Usage: npm run demo [-- --quick] [-- --serve]\n  --quick  fewer items per run and a short idle baseline (for CI)\n  --serve  keep the collector running afterwards, for Prometheus\nREDIS_URL=redis://... uses that Redis instead of a private one.\n',
    );
    return 0;
  }
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
    await waitForLine(collector, /collector serving/);

    if (workload.note !== undefined) step(workload.note);
    step(
      `running the agent: ${idleSeconds} s of idle power, then ${REPEAT} runs of "${workload.command.map((a) => relative(process.cwd(), a) || a).join(' ')}" under perf stat`,
    );
    const agentCode = await foreground(process.execPath, [
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
      '--log-level',
      'warn',
      '--',
      ...workload.command,
    ]);
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
    summarize(readFileSync(join(outDir, 'runs.csv'), 'utf8'));

    if (values.serve === true) {
      step(`serving: metrics at http://127.0.0.1:${metricsPort}/metrics, gRPC at 127.0.0.1:${grpcPort}; Ctrl-C stops everything`);
      process.stdout.write(`    more runs:  npm run agent -- run --collector 127.0.0.1:${grpcPort} --repeat 11 -- COMMAND\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return 0;
  } finally {
    for (const child of started.reverse()) child.kill('SIGTERM');
    await Promise.all(started.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve())));
    rmSync(redisDir, { recursive: true, force: true });
  }
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
function summarize(runsCsv: string): void {
  const lines = runsCsv.trimEnd().split('\n');
  step(`${lines.length - 1} runs exported:`);
  for (const file of ['runs.csv', 'power.csv', 'counters.csv', 'report.html']) process.stdout.write(`    ${join(relative(process.cwd(), outDir), file)}\n`);
  if (!lines[0]!.split(',').includes('energy_joules')) {
    process.stdout.write(
      '\n    No power meter works on this machine, so the runs have no energy (nothing is invented).\n    "npm run agent -- probe" says why for each source (IPMI, hwmon, RAPL, NVIDIA).\n',
    );
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

function foreground(file: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
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

process.once('SIGINT', () => process.stderr.write('\ndemo: interrupted; stopping what it started\n'));
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
