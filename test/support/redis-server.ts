import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { repositoryRoot } from '../../proto/repository-root.js';
import { freePort } from './free-port.js';

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server; its data is gone. */
  stop(): Promise<void>;
  /** Stops the process but keeps port and directory, for an outage; start() brings it back. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port, in its own directory: without
 * persistence, or with `shippedConfig` as deploy/redis/redis.conf sets it up
 * (the append-only file on), so that a restart after SIGKILL keeps the data.
 */
export async function startRedisServer({ shippedConfig = false } = {}): Promise<RedisServer> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'powerprof-redis-'));
  let child: ChildProcess | undefined;
  const persistence = shippedConfig ? [join(repositoryRoot, 'deploy/redis/redis.conf')] : ['--save', '', '--appendonly', 'no'];

  const start = async (): Promise<void> => {
    child = spawn('redis-server', [...persistence, '--port', String(port), '--bind', '127.0.0.1', '--dir', directory], {
      stdio: 'ignore',
    });
    await waitForPing(port);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

export interface SharedRedis {
  readonly server: RedisServer;
  readonly client: Redis;
}

/**
 * One redis-server and a client for the tests of the current suite: started
 * before them, stopped after. Tests keep apart with unique key prefixes.
 */
export function useRedisServer(): SharedRedis {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  before(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
  });
  after(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('redis-server is not started yet (use it inside a test)');
      return server;
    },
    get client() {
      if (client === undefined) throw new Error('redis-server is not started yet (use it inside a test)');
      return client;
    },
  };
}
