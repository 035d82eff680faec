import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

/**
 * `npm run demo`: the whole pipeline on this machine. A private redis-server
 * and a collector on free loopback ports, the agent running the bundled
 * workload eleven times under perf (the original experiment's "eleven
 * tests"), then an export into powerprof-out/. Everything it started is
 * stopped at the end, also on Ctrl-C.
 */

const REPEAT = 11;
const workload = ['node', join(repositoryRoot, 'deploy/workloads/synthetic-mlp.js'), '1000'];
const outDir = join(process.cwd(), 'powerprof-out');
const agentMain = join(repositoryRoot, 'dist/agent/main.js');
const collectorMain = join(repositoryRoot, 'dist/collector/main.js');
const started: ChildProcess[] = [];

async function main(): Promise<number> {
  const [redisPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const redisDir = mkdtempSync(join(tmpdir(), 'powerprof-demo-redis-'));
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  try {
    step(`starting redis-server on 127.0.0.1:${redisPort} (private, in ${redisDir})`);
    const redis = background('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir]);
    await waitForLine(redis, /Ready to accept connections/);

    step(`starting the collector: gRPC 127.0.0.1:${grpcPort}, metrics http://127.0.0.1:${metricsPort}/metrics`);
    const collector = background(process.execPath, [collectorMain, 'serve', '--redis', redisUrl, '--grpc-listen', `127.0.0.1:${grpcPort}`, '--metrics-listen', `127.0.0.1:${metricsPort}`]);
    await waitForLine(collector, /collector serving/);

    step(`running the agent: ${REPEAT} runs of "${workload.map((a) => relative(process.cwd(), a) || a).join(' ')}" under perf stat`);
    const agentCode = await foreground(process.execPath, [
      agentMain, 'run', '--collector', `127.0.0.1:${grpcPort}`, '--repeat', String(REPEAT), '--workload', 'synthetic-mlp', '--interval-ms', '250', '--log-level', 'warn', '--', ...workload,
    ]);
    if (agentCode !== 0) {
      process.stderr.write(`\ndemo: the agent exited with ${agentCode}; see its message above.\n`);
      return agentCode;
    }

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    step('the collector\'s /metrics now says:');
    for (const line of metrics.split('\n').filter((l) => /^powerprof_(runs_total|last_run_duration_seconds|workload_metric)/.test(l))) process.stdout.write(`    ${line}\n`);

    step(`exporting to ${outDir}`);
    const exportCode = await foreground(process.execPath, [collectorMain, 'export', '--redis', redisUrl, '--out', outDir, '--log-level', 'warn']);
    if (exportCode !== 0) return exportCode;
    const reportCode = await foreground(process.execPath, [collectorMain, 'report', '--redis', redisUrl, '--out', join(outDir, 'report.html'), '--log-level', 'warn']);
    if (reportCode !== 0) return reportCode;
    summarize(readFileSync(join(outDir, 'runs.csv'), 'utf8'));
    return 0;
  } finally {
    for (const child of started.reverse()) child.kill('SIGTERM');
    await Promise.all(started.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
    rmSync(redisDir, { recursive: true, force: true });
  }
}

/** Where the results are; the agent has already printed its table of the runs. */
function summarize(runsCsv: string): void {
  const runs = runsCsv.trimEnd().split('\n').length - 1;
  step(`${runs} runs exported:`);
  for (const file of ['runs.csv', 'power.csv', 'counters.csv', 'report.html']) process.stdout.write(`    ${join(relative(process.cwd(), outDir), file)}\n`);
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
