import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { RunConfig } from '../config.js';
import { UsageError } from '../config.js';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { CounterValue, RunRecord } from '../../proto/records.js';
import { LocalCsvWriter } from '../csv/local-csv-writer.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import type { PerfStatRow } from '../perf/parse-perf-stat.js';
import { probePerf } from '../perf/probe-perf.js';
import { RecordShipper } from '../transport/record-shipper.js';
import { runWorkload, type PerfSpec, type WorkloadOutcome } from '../workload/run-workload.js';
import { workloadName } from '../workload/workload-name.js';

export interface RunDependencies {
  config: RunConfig;
  logger: Logger;
  proto: IngestPackage;
  /** Aborted when the agent is asked to stop (SIGINT, SIGTERM). */
  interrupt: AbortSignal;
}

/** `powerprof-agent run`: one experiment, repeated runs of one workload. Returns the exit code. */
export async function runCommand({ config, logger, proto, interrupt }: RunDependencies): Promise<number> {
  const perf = await choosePerf(config, logger);
  const nodeInfo = await collectNodeInfo(config.node_id, perf?.version ?? '', logger);
  const shipper = new RecordShipper({
    address: config.collector,
    nodeInfo,
    proto,
    logger: logger.child({ component: 'shipper' }),
    credentials: grpc.credentials.createInsecure(),
    maxRecordsPerBatch: 500,
    backoffInitialMs: 200,
    backoffMaxMs: 10_000,
    helloTimeoutMs: 5_000,
  });
  shipper.enqueue([{ node_info: nodeInfo }]);
  const csv = config.csv === undefined ? undefined : new LocalCsvWriter(config.csv);

  const experimentId = randomUUID();
  const workload = config.workload ?? workloadName(config.command);
  const [command, ...args] = config.command as [string, ...string[]];
  const reportedUnsupported = new Set<string>();
  const statuses = new Map<string, number>();
  logger.info({ experimentId, workload, repeat: config.repeat, events: perf?.spec.events ?? [] }, 'experiment starting');

  for (let repetition = 1; repetition <= config.repeat && !interrupt.aborted; repetition++) {
    const outcome = await runWorkload({ command, args, timeoutMs: config.timeout * 1000 }, perf?.spec, interrupt);
    const run = toRunRecord(outcome, { experimentId, workload, command: config.command, repetition });
    reportUnsupportedOnce(outcome.counters, reportedUnsupported, logger);
    shipper.enqueue([{ run }]);
    csv?.addRun({ node: nodeInfo.node_id, run });
    statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
    logger.info(
      { repetition, of: config.repeat, status: outcome.status, durationS: outcome.durationMs / 1000, exitCode: outcome.exitCode, error: outcome.error || undefined },
      'run finished',
    );
  }

  const pending = await shipper.flush(config.flush_timeout * 1000);
  shipper.shutdown();
  logger.info({ experimentId, runs: Object.fromEntries(statuses), delivered: shipper.stats.ackedRecords, refused: shipper.stats.rejectedRecords }, 'experiment finished');
  if (pending > 0) {
    logger.error(
      { collector: config.collector, undelivered: pending, err: shipper.lastDeliveryError, csv: config.csv },
      'records not delivered to the collector before --flush-timeout',
    );
    return 1;
  }
  return interrupt.aborted ? 130 : 0;
}

async function choosePerf(config: RunConfig, logger: Logger): Promise<{ spec: PerfSpec; version: string } | undefined> {
  if (config.no_perf) {
    logger.info('perf disabled (--no-perf): recording wall time and CPU time only');
    return undefined;
  }
  const probe = await probePerf(config.perf_path);
  if (!probe.ok) throw new UsageError(`${probe.reason}.\nTo fix: ${probe.fix}.`);
  return { spec: { perfPath: config.perf_path, events: config.events }, version: probe.version };
}

/** Unsupported events are part of every run's record; the person at the terminal hears about them once. */
function reportUnsupportedOnce(counters: PerfStatRow[], reported: Set<string>, logger: Logger): void {
  const fresh = counters.filter((c) => c.status === 'not_supported' && !reported.has(c.event)).map((c) => c.event);
  if (fresh.length === 0) return;
  for (const event of fresh) reported.add(event);
  logger.warn(
    { events: fresh },
    'events not supported on this machine (no hardware PMU visible, as on most VMs?); recorded as not_supported, runs still count',
  );
}

interface RunIdentity {
  experimentId: string;
  workload: string;
  command: readonly string[];
  repetition: number;
}

function toRunRecord(outcome: WorkloadOutcome, identity: RunIdentity): RunRecord {
  return {
    run_id: randomUUID(),
    experiment_id: identity.experimentId,
    workload: identity.workload,
    command: [...identity.command],
    repetition: identity.repetition,
    status: `RUN_STATUS_${outcome.status.toUpperCase()}` as RunRecord['status'],
    started_time_unix_ms: outcome.startedTimeUnixMs,
    ended_time_unix_ms: outcome.endedTimeUnixMs,
    duration_ms: outcome.durationMs,
    exit_code: outcome.exitCode ?? 0,
    signal: outcome.signal,
    error: outcome.error,
    counters: outcome.counters.map(toCounterValue),
    user_cpu_s: outcome.userCpuS,
    system_cpu_s: outcome.systemCpuS,
    perf_used: outcome.perfUsed,
  };
}

function toCounterValue(row: PerfStatRow): CounterValue {
  return {
    event: row.scope === undefined ? row.event : `${row.event}@${row.scope}`,
    value: row.value ?? 0,
    unit: row.unit,
    running_percent: row.running_percent,
    status: `COUNTER_STATUS_${row.status.toUpperCase()}` as CounterValue['status'],
    metric_value: row.metric_value ?? 0,
    metric_unit: row.metric_unit ?? '',
  };
}
