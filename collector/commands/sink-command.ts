import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { SinkConfig } from '../config.js';
import { hostOfAddress } from '../../proto/loopback.js';
import { portOf } from '../config.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { loadWebConfig } from '../metrics/web-config.js';
import { SinkMetrics } from '../sink/sink-metrics.js';
import { SinkThreads } from '../sink/sink-threads.js';

/** The consumer group every sink reads through. */
export const SINK_GROUP = 'powerprof-sink';

export interface RunningSink {
  shutdown(): Promise<void>;
}

/**
 * `powerprof-collector sink`: drains every node's stream into the Parquet
 * history under --dir until SIGTERM, in --threads worker threads. Redis may
 * come and go: ioredis reconnects, and the sink's passes fail and are tried
 * again meanwhile.
 */
export async function startSink(config: SinkConfig, logger: Logger): Promise<RunningSink> {
  const consumer = config.consumer ?? defaultConsumer();
  const metrics = new SinkMetrics();
  const threads = new SinkThreads(config, consumer, SINK_GROUP, metrics, logger);
  const server = await startMetricsServer(
    hostOfAddress(config.metrics_listen),
    portOf(config.metrics_listen),
    metrics.registry,
    () => threads.ready,
    loadWebConfig(undefined),
  ).catch((error: Error) => {
    throw new Error(`cannot listen for metrics on ${config.metrics_listen}: ${error.message} (give --metrics-listen another HOST:PORT)`, { cause: error });
  });
  await threads.start();
  logger.info(
    {
      dir: config.dir,
      consumer,
      group: SINK_GROUP,
      threads: config.threads,
      batch_records: config.batch_records,
      flush_interval_s: config.flush_interval_s,
      metrics_port: server.port,
    },
    'history sink started',
  );
  return {
    async shutdown() {
      await threads.shutdown();
      await server.close();
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
