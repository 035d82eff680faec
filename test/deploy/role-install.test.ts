import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repositoryRoot } from '../../proto/repository-root.js';
import { freePort } from '../support/free-port.js';
import { type Background, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { useRedisServer } from '../support/redis-server.js';

function bytesUnder(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

/** No node_modules above a folder, where Node would find a package the install lacks. */
function nodeModulesAbove(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules');
    if (dir === dirname(dir)) return undefined;
  }
}

// The agent and the collector each installed on their own, as deploy/install.sh does on a node
// (with deploy/install-files.sh, into a folder instead of /opt/powerprof), then run from there and
// nowhere else: the agent probes and profiles a workload into the collector, which stores and reports it.
describe('an agent-only and a collector-only install, each run from its own folder', () => {
  const redis = useRedisServer();
  let root: string;
  let collector: Background;
  let grpcPort: number;
  const env = { ...process.env, NODE_PATH: '' };
  const install = (role: string): { status: number | null; stdout: string; stderr: string } =>
    spawnSync('sh', [join(repositoryRoot, 'deploy/install-files.sh'), join(root, role), role], { encoding: 'utf8' });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'powerprof-installs-'));
    assert.equal(nodeModulesAbove(root), undefined, 'a node_modules above the installs would hide a missing package');
    for (const role of ['agent', 'collector']) {
      const result = install(role);
      assert.equal(result.status, 0, result.stderr);
    }
    grpcPort = await freePort();
    collector = startNode(join(root, 'collector/dist/collector/main.js'), serveArgs(grpcPort, await freePort(), redis.server.url), env);
    await collector.waitFor(/collector serving/);
  });
  after(async () => {
    await collector?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("the agent's install holds only what the agent imports: none of the collector's packages, no dev tools, no onnxruntime-node unless asked", () => {
    const installed = new Set(
      readdirSync(join(root, 'agent/node_modules')).flatMap((name) =>
        name.startsWith('@') ? readdirSync(join(root, 'agent/node_modules', name)).map((sub) => `${name}/${sub}`) : [name],
      ),
    );
    for (const name of ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'pino', 'pino-pretty', 'yaml', 'zod'])
      assert.ok(installed.has(name), `${name} is missing`);
    for (const name of [
      'ioredis',
      'prom-client',
      'vega',
      'vega-lite',
      'bcryptjs',
      'grpc-health-check',
      'typescript',
      'fast-check',
      '@types/node',
      'onnxruntime-node',
    ])
      assert.ok(!installed.has(name), `${name} is installed`);
    const megabytes = bytesUnder(join(root, 'agent/node_modules')) / 1e6;
    const clone = bytesUnder(join(repositoryRoot, 'node_modules')) / 1e6;
    console.log(`agent install: node_modules ${megabytes.toFixed(1)} MB (this clone's: ${clone.toFixed(0)} MB), ${installed.size} packages`);
    assert.ok(megabytes < 30, `the agent's node_modules is ${megabytes.toFixed(1)} MB`);
    assert.ok(readdirSync(join(root, 'collector/node_modules')).includes('ioredis'));
  });

  it('the agent from its install: --version, probe, and a run that reaches the collector from its own install', async () => {
    const agentMain = join(root, 'agent/dist/agent/main.js');
    const version = await runNode(agentMain, ['--version'], { env });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const probe = await runNode(agentMain, ['probe'], { env });
    assert.equal(probe.code, 0, probe.stderr);
    const config = join(root, 'agent.yaml');
    writeFileSync(config, `collector: 127.0.0.1:${grpcPort}\nnode_id: agent-only\nrepeat: 2\n`);
    const run = await runNode(agentMain, ['run', '--config', config, '--', process.execPath, join(root, 'agent/deploy/workloads/synthetic-mlp.js'), '40'], {
      env,
      timeoutMs: 120_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const entries = await redis.client.xrange('powerprof:{agent-only}:records', '-', '+');
    const runs = entries.filter(([, fields]) => fields[fields.indexOf('kind') + 1] === 'run');
    assert.equal(runs.length, 2);
    assert.ok(
      runs.every(([, fields]) => fields.join(' ').includes('RUN_STATUS_OK')),
      JSON.stringify(runs),
    );
  });

  it("the bundled ResNet-50 from the agent's install says onnxruntime-node is not there, and install-files.sh said how to add it", async () => {
    const resnet = await runNode(join(root, 'agent/dist/deploy/workloads/resnet50/run-resnet50.js'), ['1'], { env });
    assert.notEqual(resnet.code, 0);
    assert.match(resnet.stderr, /onnxruntime-node is not installed/);
    if (existsSync(join(repositoryRoot, 'node_modules/onnxruntime-node')))
      assert.match(install('agent').stdout, /leaving out onnxruntime-node .*--with-resnet50 installs it/);
    else console.log('onnxruntime-node is not in this clone (no build for this architecture): nothing to leave out');
  });

  it("the collector from its install writes the report (vega) of what the agent's install sent", async () => {
    const report = join(root, 'report.html');
    const result = await runNode(join(root, 'collector/dist/collector/main.js'), ['report', '--out', report, '--redis', redis.server.url], {
      env,
      timeoutMs: 120_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(report, 'utf8'), /agent-only/);
  });
});
