import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { csvObjects, powerCsv, runsCsv } from '../../proto/csv-tables.js';
import type { ReportConfig } from '../config.js';
import type { RunRecord } from '../../proto/records.js';
import type { MeasureNames } from '../report/run-measures.js';
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
  // runs.csv's rows, with what the CSV leaves out but the report uses: the items each run handled, where its energy came from.
  const rows = csvObjects(runsCsv(runs)).map((row, i) => ({ ...row, items: String(runs[i]!.run.items ?? ''), energy_source: runs[i]!.run.energy_source }));
  return {
    runs: rows,
    power: csvObjects(powerCsv(samples)),
    names: namesOf(runs.map(({ run }) => run)),
    nodes,
    notes: warning === undefined ? [] : [warning.message],
    eventMeanings: [...meanings.values()],
    generatedAt: new Date(),
  };
}

/** The events perf was asked for (with perf's unit) and what the workloads printed, from the run records. */
function namesOf(runs: readonly RunRecord[]): MeasureNames {
  const counters = new Map<string, string>();
  const metrics = new Set<string>();
  for (const run of runs) {
    for (const counter of run.counters) if (!counters.has(counter.event)) counters.set(counter.event, counter.unit);
    for (const name of Object.keys(run.workload_metrics)) metrics.add(name);
  }
  return { counters: [...counters].map(([event, unit]) => ({ event, unit })), metrics: [...metrics].filter((name) => !counters.has(name)) };
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
  // counters.csv names the events and their units where runs had counter intervals; every other extra column of runs.csv
  // is then what the workload printed. Without it, they cannot be told apart, and all are shown as runs.csv has them.
  const intervals = csvObjects(await read('counters.csv').catch(() => ''));
  const counters = new Map<string, string>();
  for (const row of intervals) if (row.event !== undefined && !counters.has(row.event)) counters.set(row.event, row.unit ?? '');
  const extra = extraColumns(runs);
  const names: MeasureNames =
    counters.size > 0
      ? { counters: [...counters].map(([event, unit]) => ({ event, unit })), metrics: extra.filter((column) => !counters.has(column)) }
      : { counters: extra.map((event) => ({ event, unit: '' })), metrics: [] };
  return {
    runs,
    power,
    names,
    nodes: [],
    notes: [
      'Made from CSV files: node fingerprints and what generic events counted on each architecture are in Redis (report --redis).' +
        (counters.size === 0 ? ' Without counters.csv, perf counters and what the workload printed are not told apart.' : ''),
    ],
    eventMeanings: [],
    generatedAt: new Date(),
  };
}

/** runs.csv's columns past the fixed ones: counters and workload metrics (power, warm-up and emulation columns left out). */
function extraColumns(runs: ReadonlyArray<Record<string, string>>): string[] {
  const columns = Object.keys(runs[0] ?? {});
  return columns
    .slice(columns.indexOf('exit_code') + 1)
    .filter(
      (column) =>
        column !== 'warmup' && column !== 'pmu_emulated' && !/(^|_)(energy_joules|avg_watts|idle_watts|joules_per_item|uncertainty_joules)$/.test(column),
    );
}
