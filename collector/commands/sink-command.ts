import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { SinkConfig } from '../config.js';
import { createRedisClient, type RedisClient } from '../queue/redis-connection.js';
import { redisKeys } from '../queue/redis-keys.js';
import { hostOfAddress } from '../../proto/loopback.js';
import { portOf } from '../config.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { loadWebConfig } from '../metrics/web-config.js';
import { HistorySink } from '../sink/history-sink.js';
import { SinkMetrics } from '../sink/sink-metrics.js';

/** The consumer group every sink reads through. */
export const SINK_GROUP = 'powerprof-sink';

export interface RunningSink {
  sink: HistorySink;
  shutdown(): Promise<void>;
}

/**
 * `powerprof-collector sink`: drains every node's stream into the Parquet
 * history under --dir until SIGTERM. Redis may come and go: ioredis
 * reconnects, and the sink's passes fail and are tried again meanwhile.
 */
export async function startSink(config: SinkConfig, logger: Logger): Promise<RunningSink> {
  const redis: RedisClient = createRedisClient(config.redis, config.redis_cluster, { maxRetriesPerRequest: 1, enableAutoPipelining: false });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  const consumer = config.consumer ?? defaultConsumer();
  const metrics = new SinkMetrics();
  const sink = new HistorySink(
    redis,
    redisKeys(config.key_prefix),
    {
      dir: config.dir,
      consumer,
      group: SINK_GROUP,
      batchRecords: config.batch_records,
      flushIntervalMs: config.flush_interval_s * 1000,
      leaseMs: config.lease_s * 1000,
      pollMs: config.poll_s * 1000,
    },
    logger,
    metrics,
  );
  const server = await startMetricsServer(
    hostOfAddress(config.metrics_listen),
    portOf(config.metrics_listen),
    metrics.registry,
    () => redis.status === 'ready',
    loadWebConfig(undefined),
  ).catch((error: Error) => {
    redis.disconnect();
    throw new Error(`cannot listen for metrics on ${config.metrics_listen}: ${error.message} (give --metrics-listen another HOST:PORT)`, { cause: error });
  });
  sink.start();
  logger.info(
    { dir: config.dir, consumer, group: SINK_GROUP, batch_records: config.batch_records, flush_interval_s: config.flush_interval_s, metrics_port: server.port },
    'history sink started',
  );
  return {
    sink,
    async shutdown() {
      await sink.shutdown();
      await server.close();
      redis.disconnect();
    },
  };
}

/** The host's name, as a consumer name may spell it. */
function defaultConsumer(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 64) || 'sink'
  );
}
