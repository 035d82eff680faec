import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { countersCsv, powerCsv, runsCsv, type NodeCounterInterval, type NodePowerSample, type NodeRun } from '../../proto/csv-tables.js';
import type { CounterInterval, PowerSample, RunRecord } from '../../proto/records.js';
import type { ExportConfig } from '../config.js';
import { RecordStore } from '../queue/record-store.js';
import { redisKeys } from '../queue/redis-keys.js';

export interface ExportSummary {
  nodes: number;
  runs: number;
  powerSamples: number;
  counterIntervals: number;
}

/** `powerprof-collector export`: every node's records from Redis into runs.csv, power.csv, counters.csv. */
export async function exportCommand(config: ExportConfig, logger: Logger): Promise<ExportSummary> {
  const redis = new Redis(config.redis, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => (connectionError ??= error));
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`cannot connect to Redis at ${config.redis}: ${(connectionError ?? (error as Error)).message}`);
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
    warnAcrossArchitectures(runs, logger);
    const summary = { nodes: nodes.length, runs: runs.length, powerSamples: samples.length, counterIntervals: intervals.length };
    logger.info({ out: config.out, ...summary }, 'exported');
    return summary;
  } finally {
    redis.disconnect();
  }
}

/**
 * Generic cache events count different things per architecture (L1 data
 * cache on POWER9 and ARM, the last-level cache on x86): a runs.csv that
 * mixes them must not be read as one quantity. Each run says what it counted.
 */
function warnAcrossArchitectures(runs: readonly NodeRun[], logger: Logger): void {
  const meanings = new Map<string, Set<string>>();
  for (const { run } of runs) {
    for (const counter of run.counters) {
      if (counter.maps_to === '' || counter.maps_to === undefined) continue;
      const seen = meanings.get(counter.event) ?? new Set<string>();
      seen.add(`${run.fingerprint?.arch ?? '?'}: ${counter.maps_to}`);
      meanings.set(counter.event, seen);
    }
  }
  const architectures = new Set(runs.map(({ run }) => run.fingerprint?.arch).filter((arch) => arch !== undefined && arch !== ''));
  const differing = [...meanings].filter(([, seen]) => new Set([...seen].map((s) => s.split(': ').slice(1).join(': '))).size > 1);
  if (architectures.size > 1 && differing.length > 0) {
    logger.warn(
      { architectures: [...architectures], events: Object.fromEntries(differing.map(([event, seen]) => [event, [...seen]])) },
      'runs.csv mixes architectures whose generic events count different things; do not compare these columns across them',
    );
  }
}
