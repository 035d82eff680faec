import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../proto/process-logger.js';
import type { SinkConfig } from '../config.js';
import type { HistoryTable } from '../history/history-layout.js';
import { createRedisClient } from '../queue/redis-connection.js';
import { redisKeys } from '../queue/redis-keys.js';
import { HistorySink, type SinkObserver } from './history-sink.js';

/** What sink-threads.ts gives each thread. */
export interface SinkWorkerData {
  config: SinkConfig;
  consumer: string;
  group: string;
  place: { index: number; of: number };
}

/** What a thread tells the main thread, which keeps the metrics. */
export type SinkWorkerMessage =
  | { type: 'batch'; rowsByTable: Array<[HistoryTable, number]>; files: number; bytes: number; redone: boolean }
  | { type: 'pass-failed' }
  | { type: 'trimmed' }
  | { type: 'backlog'; records: number }
  | { type: 'redis'; ready: boolean }
  | { type: 'started' };

/**
 * One history sink in a worker thread, with its own Redis connection: the
 * threads of a sink process split the nodes between them by the same leases
 * that split them between processes and hosts, and nothing passes between
 * threads but what the metrics count. A "stop" message ends it cleanly.
 */
async function runSinkThread(data: SinkWorkerData): Promise<void> {
  const port = parentPort!;
  const post = (message: SinkWorkerMessage): void => port.postMessage(message);
  const { config, consumer, group, place } = data;
  const logger = (await createLogger(config.log_level, 'powerprof-collector')).child({ thread: place.index });
  const redis = createRedisClient(config.redis, config.redis_cluster, { maxRetriesPerRequest: 1, enableAutoPipelining: false });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  redis.on('ready', () => post({ type: 'redis', ready: true }));
  redis.on('close', () => post({ type: 'redis', ready: false }));
  const observer: SinkObserver = {
    batchWritten: (rowsByTable, files, bytes, redone) => post({ type: 'batch', rowsByTable: [...rowsByTable], files, bytes, redone }),
    passFailed: () => post({ type: 'pass-failed' }),
    trimmedBeforeRead: () => post({ type: 'trimmed' }),
    // Every thread measures at the end of its passes, so that the gauge is never older than the latest pass of any.
    backlogMeasured: (records: number) => post({ type: 'backlog', records }),
  };
  const sink = new HistorySink(
    redis,
    redisKeys(config.key_prefix),
    {
      dir: config.dir,
      consumer,
      group,
      batchRecords: config.batch_records,
      flushIntervalMs: config.flush_interval_s * 1000,
      leaseMs: config.lease_s * 1000,
      pollMs: config.poll_s * 1000,
      place,
    },
    logger,
    observer,
  );
  port.once('message', () => {
    void sink.shutdown().finally(() => {
      redis.disconnect();
      port.close();
    });
  });
  sink.start();
  post({ type: 'started' });
}

void runSinkThread(workerData as SinkWorkerData);
