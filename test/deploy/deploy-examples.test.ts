import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { loadDaemonConfig, loadRunConfig } from '../../agent/config.js';
import { loadServeConfig, loadSinkConfig } from '../../collector/config.js';
import { repositoryRoot } from '../../proto/repository-root.js';

it('the example configs in deploy/config load as they are', () => {
  const agent = loadRunConfig(['--config', join(repositoryRoot, 'deploy/config/agent.example.yaml'), '--', 'true'], {});
  assert.ok(!agent.help);
  assert.equal(agent.config.repeat, 11);
  const daemon = loadDaemonConfig(['--config', join(repositoryRoot, 'deploy/config/agent.example.yaml')], {});
  assert.ok(!daemon.help);
  assert.deepEqual([Object.keys(daemon.config.workloads), daemon.config.schedule[0]?.every_s], [['mlp'], 21600]);
  const collector = loadServeConfig(['--config', join(repositoryRoot, 'deploy/config/collector.example.yaml')], {});
  assert.ok(!collector.help);
  assert.equal(collector.config.retention_maxlen, 1_000_000);
  const sink = loadSinkConfig(['--config', join(repositoryRoot, 'deploy/config/sink.example.yaml')], {});
  assert.ok(!sink.help);
  assert.deepEqual([sink.config.dir, sink.config.flush_interval_s, sink.config.consumer], ['/var/lib/powerprof/history', 300, undefined]);
});

it('deploy/redis/redis.conf starts a real redis-server with the append-only file on', async () => {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { Redis } = await import('ioredis');
  const { freePort } = await import('../support/free-port.js');
  const { waitForPing } = await import('../support/redis-server.js');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-redis-conf-'));
  const server = spawn('redis-server', [join(repositoryRoot, 'deploy/redis/redis.conf'), '--port', String(port), '--dir', dir, '--bind', '127.0.0.1'], {
    stdio: 'ignore',
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await waitForPing(port);
    await client.connect();
    assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
    assert.deepEqual(await client.config('GET', 'appendfsync'), ['appendfsync', 'everysec']);
    assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
  } finally {
    client.disconnect();
    server.kill('SIGKILL');
  }
});

it('deploy/install.sh: a dry run says what it would do for an agent and a collector, and changes nothing', async () => {
  const { spawnSync } = await import('node:child_process');
  for (const role of ['agent', 'collector']) {
    const result = spawnSync('sh', [join(repositoryRoot, 'deploy/install.sh'), '--dry-run', role], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`install -m 0644 \\S+/deploy/systemd/powerprof-${role}\\.service /etc/systemd/system/powerprof-${role}\\.service`));
    assert.match(result.stdout, new RegExp(`systemctl enable --now powerprof-${role}`));
    if (role === 'agent') assert.match(result.stdout, /install -d -m 0750 -o powerprof -g powerprof \/var\/lib\/powerprof/);
    // Every file the programs read at run time beside their build (the collector's Lua scripts, the .proto) is installed.
    const copied = [...result.stdout.matchAll(/^\+ cp -a (\S+) \/opt\/powerprof\/$/gm)].map((m) => relative(repositoryRoot, m[1]!));
    for (const runtimeFile of [
      'collector/queue/append-batch.lua',
      'collector/jobs/record-job-status.lua',
      'proto/powerprof/v1/ingest.proto',
      'dist/agent/main.js',
      'dist/collector/main.js',
    ]) {
      assert.ok(
        copied.some((path) => runtimeFile === path || runtimeFile.startsWith(`${path}/`)),
        `${role}: ${runtimeFile} is not installed (copied: ${copied.join(' ')})`,
      );
    }
  }
  assert.equal(spawnSync('sh', [join(repositoryRoot, 'deploy/install.sh')], { encoding: 'utf8' }).status, 2, 'no role: usage');
});
