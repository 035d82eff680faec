import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { countersCsv, powerCsv, runsCsv } from '../../proto/csv-tables.js';
import type { ExportConfig } from '../config.js';
import { architectureWarning } from '../export/architecture-warning.js';
import { readAllRecords } from '../export/read-all-records.js';

export interface ExportSummary {
  nodes: number;
  runs: number;
  powerSamples: number;
  counterIntervals: number;
}

/** `powerprof-collector export`: every node's records from Redis (and the Parquet history, --history) into runs.csv, power.csv, counters.csv. */
export async function exportCommand(config: ExportConfig, logger: Logger): Promise<ExportSummary> {
  const { nodes, runs, samples, intervals } = await readAllRecords({
    redis: config.redis,
    keyPrefix: config.key_prefix,
    cluster: config.redis_cluster,
    history: config.history,
  });
  await mkdir(config.out, { recursive: true });
  await writeFile(join(config.out, 'runs.csv'), runsCsv(runs));
  await writeFile(join(config.out, 'power.csv'), powerCsv(samples));
  await writeFile(join(config.out, 'counters.csv'), countersCsv(intervals));
  const warning = architectureWarning(runs);
  if (warning !== undefined) logger.warn({ architectures: warning.architectures, events: warning.events }, warning.message);
  const summary = {
    nodes: new Set([...nodes.map((n) => n.node_id), ...runs.map((r) => r.node)]).size,
    runs: runs.length,
    powerSamples: samples.length,
    counterIntervals: intervals.length,
  };
  logger.info({ out: config.out, ...summary }, 'exported');
  return summary;
}
