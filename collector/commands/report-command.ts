import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { csvObjects, powerCsv, runsCsv } from '../../proto/csv-tables.js';
import type { ReportConfig } from '../config.js';
import { architectureWarning } from '../export/architecture-warning.js';
import { readAllRecords } from '../export/read-all-records.js';
import { buildReport, type ReportInput } from '../report/build-report.js';

/**
 * `powerprof-collector report`: one self-contained HTML file from Redis
 * (--redis, with node fingerprints) or from an export folder (--from DIR
 * holding runs.csv and power.csv).
 */
export async function reportCommand(config: ReportConfig, logger: Logger): Promise<void> {
  const input = config.from === undefined ? await fromRedis(config) : await fromFolder(config.from);
  await writeFile(config.out, await buildReport(input));
  logger.info({ out: config.out, runs: input.runs.length, powerSamples: input.power.length }, 'report written');
}

async function fromRedis(config: ReportConfig): Promise<ReportInput> {
  const all = await readAllRecords({ redis: config.redis, keyPrefix: config.key_prefix, cluster: config.redis_cluster, history: config.history });
  const { nodes, runs, samples } = config.experiment === undefined ? all : onlyExperiment(all, config.experiment);
  if (config.experiment !== undefined && runs.length === 0)
    throw new Error(`no runs of experiment ${config.experiment} in ${config.redis} (experiment status ${config.experiment} says where it stands)`);
  const warning = architectureWarning(runs);
  const meanings = new Map<string, { arch: string; event: string; countedAs: string }>();
  for (const { run } of runs) {
    for (const counter of run.counters) {
      const arch = run.fingerprint?.arch ?? '';
      if (counter.maps_to !== '' && counter.maps_to !== undefined)
        meanings.set(`${arch}\u0000${counter.event}`, { arch, event: counter.event, countedAs: counter.maps_to });
    }
  }
  return {
    runs: csvObjects(runsCsv(runs)),
    power: csvObjects(powerCsv(samples)),
    nodes,
    notes: warning === undefined ? [] : [warning.message],
    eventMeanings: [...meanings.values()],
    generatedAt: new Date(),
  };
}

/** One experiment's runs (a fleet job's id is its runs' experiment id), and power while they ran. */
function onlyExperiment(all: Awaited<ReturnType<typeof readAllRecords>>, experimentId: string): Awaited<ReturnType<typeof readAllRecords>> {
  const runs = all.runs.filter(({ run }) => run.experiment_id === experimentId);
  const windows = new Map<string, { from: number; to: number }>();
  for (const { node, run } of runs) {
    const window = windows.get(node) ?? { from: Infinity, to: -Infinity };
    windows.set(node, { from: Math.min(window.from, run.started_time_unix_ms), to: Math.max(window.to, run.ended_time_unix_ms) });
  }
  const samples = all.samples.filter(({ node, sample }) => {
    const window = windows.get(node);
    return window !== undefined && sample.time_unix_ms >= window.from && sample.time_unix_ms <= window.to;
  });
  return { ...all, runs, samples, nodes: all.nodes.filter((node) => windows.has(node.node_id)) };
}

async function fromFolder(folder: string): Promise<ReportInput> {
  const read = async (name: string): Promise<string> => {
    try {
      return await readFile(join(folder, name), 'utf8');
    } catch (error) {
      throw new Error(
        `cannot read ${join(folder, name)} (an export folder holds runs.csv and power.csv): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error },
      );
    }
  };
  const runs = csvObjects(await read('runs.csv'));
  const power = csvObjects(await read('power.csv'));
  return {
    runs,
    power,
    nodes: [],
    notes: ['Made from CSV files: node fingerprints and what generic events counted on each architecture are in Redis (report --redis).'],
    eventMeanings: [],
    generatedAt: new Date(),
  };
}
