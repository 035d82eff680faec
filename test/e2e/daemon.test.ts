import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { fileTree } from '../support/file-tree.js';
import { freePort } from '../support/free-port.js';
import { agentMain, collectorMain, runNode, startNode } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';

function daemonConfig(collector: string, dir: string, sysfs: string, schedule: string): string {
  return `agent:
  collector: ${collector}
  node_id: daemon-node
  spool: ${join(dir, 'spool')}
  power: hwmon
  sysfs_root: ${sysfs}
  power_period_ms: 200
  idle_s: 0
  events: task-clock
  workloads:
    short: [sh, -c, "echo 'items: 10'"]
    other: [sh, -c, "echo 'items: 20'"]
  schedule:
${schedule}
`;
}

describe('powerprof-agent daemon', () => {
  it('samples power all the time, runs the schedule, reloads it on SIGHUP, and on SIGTERM flushes and exits 0', async () => {
    const redisServer = await startRedisServer();
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const collector = startNode(collectorMain, ['serve', '--grpc-listen', `127.0.0.1:${grpcPort}`, '--metrics-listen', `127.0.0.1:${metricsPort}`, '--redis', redisServer.url]);
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-daemon-'));
    const sysfs = fileTree({ 'class/hwmon/hwmon0/name': 'ibmpowernv\n', 'class/hwmon/hwmon0/power1_input': '426000000\n', 'class/hwmon/hwmon0/power1_label': 'System\n' });
    const configFile = join(dir, 'agent.yaml');
    const redis = new Redis(redisServer.url);
    try {
      await collector.waitFor(/collector serving/);
      writeFileSync(configFile, daemonConfig(`127.0.0.1:${grpcPort}`, dir, sysfs, '    - { workload: short, every_s: 1, first_after_s: 0.3 }'));
      const daemon = startNode(agentMain, ['daemon', '--config', configFile]);
      await daemon.waitFor(/daemon running: power sampled continuously/);
      await daemon.waitFor(/"workload":"short","runs":1,"msg":"scheduled experiment finished"/);
      writeFileSync(configFile, daemonConfig(`127.0.0.1:${grpcPort}`, dir, sysfs, '    - { workload: other, every_s: 60, first_after_s: 0.2 }'));
      daemon.child.kill('SIGHUP');
      await daemon.waitFor(/configuration reloaded/);
      await daemon.waitFor(/"workload":"other","runs":1,"msg":"scheduled experiment finished"/);
      assert.equal(await daemon.stop('SIGTERM'), 0, daemon.output());
      assert.match(daemon.output(), /daemon stopped/);

      const entries = await redis.xrange('powerprof:{daemon-node}:records', '-', '+');
      const kinds = entries.map(([, fields]) => fields[fields.indexOf('kind') + 1]);
      const runs = entries.filter(([, f]) => f[f.indexOf('kind') + 1] === 'run').map(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!));
      assert.ok(runs.some((run) => run.workload === 'short' && run.workload_metrics.items === 10));
      assert.ok(runs.some((run) => run.workload === 'other' && run.workload_metrics.items === 20), 'the reloaded schedule ran');
      assert.ok(kinds.filter((kind) => kind === 'power_sample').length >= 5, 'power was sampled between and during runs');
    } finally {
      redis.disconnect();
      await collector.stop('SIGKILL');
      await redisServer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs only workloads the config names, and says so at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-daemon-'));
    const configFile = join(dir, 'agent.yaml');
    writeFileSync(configFile, 'agent:\n  workloads:\n    ok: [/bin/true]\n  schedule:\n    - { workload: rm-rf, every_s: 60 }\n');
    const daemon = await runNode(agentMain, ['daemon', '--config', configFile]);
    assert.equal(daemon.code, 2);
    assert.match(daemon.stderr, /schedule\.0\.workload: "rm-rf" is not in workloads \(the allow-list\)/);
    const bare = await runNode(agentMain, ['daemon']);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /the daemon takes its configuration from a file: --config/);
    rmSync(dir, { recursive: true, force: true });
  });
});
