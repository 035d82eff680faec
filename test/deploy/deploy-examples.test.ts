import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadRunConfig } from '../../agent/config.js';
import { loadServeConfig } from '../../collector/config.js';
import { repositoryRoot } from '../../proto/repository-root.js';

it('the example configs in deploy/config load as they are', () => {
  const agent = loadRunConfig(['--config', join(repositoryRoot, 'deploy/config/agent.example.yaml'), '--', 'true'], {});
  assert.ok(!agent.help);
  assert.equal(agent.config.repeat, 11);
  const collector = loadServeConfig(['--config', join(repositoryRoot, 'deploy/config/collector.example.yaml')], {});
  assert.ok(!collector.help);
  assert.equal(collector.config.retention_maxlen, 1_000_000);
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
  const server = spawn('redis-server', [join(repositoryRoot, 'deploy/redis/redis.conf'), '--port', String(port), '--dir', dir, '--bind', '127.0.0.1'], { stdio: 'ignore' });
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
