import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { occHwmonTree } from '../support/file-tree.js';
import { freePort } from '../support/free-port.js';
import { agentMain, collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';
import { storedRecord } from '../support/stored-records.js';

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
    const collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url));
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-daemon-'));
    const sysfs = occHwmonTree();
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
      const runs = entries.filter(([, f]) => f[f.indexOf('kind') + 1] === 'run').map(([, f]) => storedRecord(f));
      assert.ok(runs.some((run) => run.workload === 'short' && run.workload_metrics.items === 10));
      assert.ok(
        runs.some((run) => run.workload === 'other' && run.workload_metrics.items === 20),
        'the reloaded schedule ran',
      );
      assert.ok(kinds.filter((kind) => kind === 'power_sample').length >= 5, 'power was sampled between and during runs');
    } finally {
      redis.disconnect();
      await collector.stop('SIGKILL');
      await redisServer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells systemd it is ready (Type=notify) through NOTIFY_SOCKET, and that it is stopping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-notify-'));
    const socket = join(dir, 'notify.sock');
    // systemd's side of sd_notify: a unix datagram socket that prints what it receives.
    const listener = spawn('python3', [
      '-u',
      '-c',
      `import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('listening', flush=True)\nwhile True:\n  print(s.recv(4096).decode().replace('\\n', ' '), flush=True)`,
      socket,
    ]);
    let heard = '';
    listener.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    const configFile = join(dir, 'agent.yaml');
    writeFileSync(
      configFile,
      `agent:\n  collector: 127.0.0.1:${await freePort()}\n  node_id: notify-node\n  spool: ${join(dir, 'spool')}\n  power: none\n  no_perf: true\n`,
    );
    try {
      const deadline = Date.now() + 5_000;
      while (!heard.includes('listening') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const daemon = startNode(agentMain, ['daemon', '--config', configFile], { ...process.env, NOTIFY_SOCKET: socket });
      await daemon.waitFor(/daemon running/);
      while (!heard.includes('READY=1') && Date.now() < deadline + 5_000) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(heard, /READY=1/);
      assert.equal(await daemon.stop('SIGTERM'), 0, daemon.output());
      const stopping = Date.now() + 3_000;
      while (!heard.includes('STOPPING=1') && Date.now() < stopping) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(heard, /STOPPING=1/);
    } finally {
      listener.kill();
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
