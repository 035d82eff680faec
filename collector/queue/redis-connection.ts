import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

/**
 * A single Redis (`redis://host:port`), or a Redis Cluster (--redis-cluster)
 * from one or more seed nodes (`redis://a:7000,redis://b:7000`): ioredis
 * finds the rest and routes each command to the slot's master. A node's keys
 * share a hash tag, so its seq check and append stay one script on one shard.
 */
export function createRedisClient(url: string, cluster: boolean, options: RedisOptions): RedisClient {
  if (!cluster) return new Redis(url, options);
  const seeds = url.split(',').map((seed) => {
    const parsed = new URL(seed.trim());
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  const first = new URL(url.split(',')[0]!.trim());
  const { retryStrategy, enableOfflineQueue, lazyConnect, enableAutoPipelining, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(typeof retryStrategy !== 'function' ? {} : { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null }),
    redisOptions: {
      ...perNode,
      ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
  return new Cluster(seeds, clusterOptions);
}
