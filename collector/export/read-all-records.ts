import type { NodeCounterInterval, NodePowerSample, NodeRun } from '../../proto/csv-tables.js';
import type { CounterInterval, NodeInfo, PowerSample, RunRecord } from '../../proto/records.js';
import { createRedisClient } from '../queue/redis-connection.js';
import { RecordStore } from '../queue/record-store.js';
import { redisKeys } from '../queue/redis-keys.js';

export interface AllRecords {
  nodes: NodeInfo[];
  runs: NodeRun[];
  samples: NodePowerSample[];
  intervals: NodeCounterInterval[];
}

/** Every node's records from Redis, for export and report; fails clearly when Redis is not there. */
export async function readAllRecords(redisUrl: string, keyPrefix: string, cluster = false): Promise<AllRecords> {
  const redis = createRedisClient(redisUrl, cluster, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => (connectionError ??= error));
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`cannot connect to Redis at ${redisUrl}: ${(connectionError ?? (error as Error)).message}`, { cause: error });
  }
  try {
    const store = new RecordStore(redis, redisKeys(keyPrefix), 0);
    const all: AllRecords = { nodes: [], runs: [], samples: [], intervals: [] };
    for (const node of await store.nodes()) {
      let info: NodeInfo | undefined;
      for await (const record of store.read(node)) {
        if (record.kind === 'node_info')
          info = record.data as NodeInfo; // the latest description wins
        else if (record.kind === 'run') all.runs.push({ node, run: record.data as RunRecord });
        else if (record.kind === 'power_sample') all.samples.push({ node, sample: record.data as PowerSample });
        else if (record.kind === 'counter_interval') all.intervals.push({ node, interval: record.data as CounterInterval });
      }
      if (info !== undefined) all.nodes.push(info);
    }
    return all;
  } finally {
    redis.disconnect();
  }
}
