import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { countersCsv, powerCsv, runsCsv, type NodeCounterInterval, type NodePowerSample, type NodeRun } from '../../proto/csv-tables.js';
import type { CounterInterval, PowerSample, RunRecord } from '../../proto/records.js';
import type { ExportConfig } from '../config.js';
import { RecordStore } from '../queue/record-store.js';
import { redisKeys } from '../queue/redis-keys.js';
import { UsageError } from '../config.js';

export interface ExportSummary {
  nodes: number;
  runs: number;
  powerSamples: number;
  counterIntervals: number;
}

/** `powerprof-collector export`: every node's records from Redis into runs.csv, power.csv, counters.csv. */
export async function exportCommand(config: ExportConfig, logger: Logger): Promise<ExportSummary> {
  const redis = new Redis(config.redis, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined); // reported by connect() below
  try {
    await redis.connect();
  } catch (error) {
    throw new UsageError(`cannot connect to Redis at ${config.redis}: ${(error as Error).message}`);
  }
  try {
    const store = new RecordStore(redis, redisKeys(config.key_prefix), 0);
    const runs: NodeRun[] = [];
    const samples: NodePowerSample[] = [];
    const intervals: NodeCounterInterval[] = [];
    const nodes = await store.nodes();
    for (const node of nodes) {
      for await (const record of store.read(node)) {
        if (record.kind === 'run') runs.push({ node, run: record.data as RunRecord });
        else if (record.kind === 'power_sample') samples.push({ node, sample: record.data as PowerSample });
        else if (record.kind === 'counter_interval') intervals.push({ node, interval: record.data as CounterInterval });
      }
    }
    await mkdir(config.out, { recursive: true });
    await writeFile(join(config.out, 'runs.csv'), runsCsv(runs));
    await writeFile(join(config.out, 'power.csv'), powerCsv(samples));
    await writeFile(join(config.out, 'counters.csv'), countersCsv(intervals));
    const summary = { nodes: nodes.length, runs: runs.length, powerSamples: samples.length, counterIntervals: intervals.length };
    logger.info({ out: config.out, ...summary }, 'exported');
    return summary;
  } finally {
    redis.disconnect();
  }
}
