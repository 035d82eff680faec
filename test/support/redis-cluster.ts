import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { waitForPing } from './redis-server.js';

export interface RedisCluster {
  ports: number[];
  /** Seed nodes, as --redis takes them with --redis-cluster. */
  url: string;
  client(): Cluster;
  stop(): Promise<void>;
}

/** A real Redis Cluster of `masters` redis-server processes on loopback, slots spread by redis-cli. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'powerprof-redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < masters) {
    const port = await clusterPort();
    if (!ports.includes(port)) ports.push(port);
  }
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        directory,
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL')))),
      ),
    );
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((port) => waitForPing(port)));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitForClusterOk(ports);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    url: ports.map((port) => `redis://127.0.0.1:${port}`).join(','),
    client: () => new Cluster(ports.map((port) => ({ host: '127.0.0.1', port }))),
    stop,
  };
}

async function waitForClusterOk(ports: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = ports.map((port) => spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
    if (states.every((info) => info.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster not ok after 20 s:\n${states.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A free port whose cluster bus port (+10000) is free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
