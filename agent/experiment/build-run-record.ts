import type { CounterValue, NodeFingerprint, RunRecord } from '../../proto/records.js';
import { derivedMetrics } from '../perf/derived-metrics.js';
import { genericEventMeaning } from '../perf/generic-event-meanings.js';
import type { PerfStatRow } from '../perf/parse-perf-stat.js';
import type { WorkloadOutcome } from '../workload/run-workload.js';
import { defaultBatchLimits } from '../../proto/record-rules.js';

export interface RunContext {
  runId: string;
  experimentId: string;
  workload: string;
  command: readonly string[];
  repetition: number;
  warmup: boolean;
  eventGroup: number;
  itemsKey: string;
  fingerprint: NodeFingerprint;
}

/** One run as it goes on the wire. */
export function buildRunRecord(outcome: WorkloadOutcome, context: RunContext): RunRecord {
  const counters = outcome.counters.map((row) => toCounterValue(row, context.fingerprint.arch));
  const scaled = new Map(counters.filter((c) => c.scaled_value !== undefined).map((c) => [c.event, c.scaled_value!]));
  const workloadMetrics = Object.fromEntries(outcome.workloadMetrics);
  const items = outcome.workloadMetrics.get(context.itemsKey);
  return {
    run_id: context.runId,
    experiment_id: context.experimentId,
    workload: context.workload,
    command: context.command.map(fitString),
    repetition: context.repetition,
    status: `RUN_STATUS_${outcome.status.toUpperCase()}` as RunRecord['status'],
    started_time_unix_ms: outcome.startedTimeUnixMs,
    ended_time_unix_ms: outcome.endedTimeUnixMs,
    duration_ms: outcome.durationMs,
    exit_code: outcome.exitCode ?? 0,
    signal: outcome.signal,
    error: fitString(outcome.error),
    counters,
    user_cpu_s: outcome.userCpuS,
    system_cpu_s: outcome.systemCpuS,
    perf_used: outcome.perfUsed,
    warmup: context.warmup,
    workload_metrics: workloadMetrics,
    ...(items === undefined ? {} : { items }),
    derived: derivedMetrics(outcome.counters, scaled),
    fingerprint: context.fingerprint,
    event_group: context.eventGroup,
    source_energies: [],
    energy_source: '',
  };
}

/**
 * perf ran with --no-scale, so value is the raw count; where a counted event
 * was multiplexed, scaled_value is the estimate perf would have printed.
 */
export function toCounterValue(row: PerfStatRow, arch: string): CounterValue {
  const multiplexed = row.status === 'counted' && row.running_percent > 0 && row.running_percent < 100;
  return {
    event: row.scope === undefined ? row.event : `${row.event}@${row.scope}`,
    value: row.value ?? 0,
    unit: row.unit,
    running_percent: row.running_percent,
    status: `COUNTER_STATUS_${row.status.toUpperCase()}` as CounterValue['status'],
    metric_value: row.metric_value ?? 0,
    metric_unit: row.metric_unit ?? '',
    ...(multiplexed ? { scaled_value: ((row.value ?? 0) * 100) / row.running_percent } : {}),
    maps_to: genericEventMeaning(row.event, arch),
  };
}

/**
 * Strings the run record carries as they came (an argument, a message) are
 * cut to what the record rules take, marked as cut: a long argument must
 * not cost the run its record.
 */
function fitString(text: string): string {
  const max = defaultBatchLimits.maxStringLength;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
