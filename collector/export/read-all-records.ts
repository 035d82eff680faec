import type { NodeCounterInterval, NodePowerSample, NodeRun } from '../../proto/csv-tables.js';
import type { CounterInterval, NodeInfo, PowerSample, RunRecord } from '../../proto/records.js';
import type { NodeRecord } from '../history/history-table.js';
import { readHistory } from '../history/read-history.js';
import { createRedisClient } from '../queue/redis-connection.js';
import { RecordStore } from '../queue/record-store.js';
import { redisKeys } from '../queue/redis-keys.js';

export interface AllRecords {
  nodes: NodeInfo[];
  runs: NodeRun[];
  samples: NodePowerSample[];
  intervals: NodeCounterInterval[];
}

export interface RecordSources {
  redis: string;
  keyPrefix: string;
  cluster?: boolean;
  /** The sink's Parquet history folder, read as well: what it trimmed from Redis. */
  history?: string | undefined;
}

/**
 * Every node's records for export and report: the Parquet history (when
 * given) and what Redis still holds, each record once (a batch the sink has
 * written but not yet trimmed is in both; its stream IDs say so). Fails
 * clearly when Redis or the history folder is not there.
 */
export async function readAllRecords(sources: RecordSources): Promise<AllRecords> {
  const fromRedis = await readRedis(sources);
  const fromHistory = sources.history === undefined ? new Map<string, NodeRecord[]>() : await readHistory(sources.history);
  const all: AllRecords = { nodes: [], runs: [], samples: [], intervals: [] };
  for (const node of [...new Set([...fromHistory.keys(), ...fromRedis.keys()])].sort()) {
    const recent = fromRedis.get(node) ?? [];
    const inRedis = new Set(recent.map(({ record }) => record.id));
    const older = (fromHistory.get(node) ?? []).filter(({ record }) => !inRedis.has(record.id));
    let info: NodeInfo | undefined;
    for (const { record } of [...older, ...recent]) {
      if (record.kind === 'node_info')
        info = record.data as NodeInfo; // the latest description wins
      else if (record.kind === 'run') all.runs.push({ node, run: record.data as RunRecord });
      else if (record.kind === 'power_sample') all.samples.push({ node, sample: record.data as PowerSample });
      else if (record.kind === 'counter_interval') all.intervals.push({ node, interval: record.data as CounterInterval });
    }
    if (info !== undefined) all.nodes.push(info);
  }
  return all;
}

async function readRedis({ redis: url, keyPrefix, cluster = false }: RecordSources): Promise<Map<string, NodeRecord[]>> {
  const redis = createRedisClient(url, cluster, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => (connectionError ??= error));
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`cannot connect to Redis at ${url}: ${(connectionError ?? (error as Error)).message}`, { cause: error });
  }
  try {
    const store = new RecordStore(redis, redisKeys(keyPrefix), 0);
    const byNode = new Map<string, NodeRecord[]>();
    for (const node of await store.nodes()) {
      const records: NodeRecord[] = [];
      for await (const record of store.read(node)) records.push({ node, record });
      byNode.set(node, records);
    }
    return byNode;
  } finally {
    redis.disconnect();
  }
}
