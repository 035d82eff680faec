import type { Batch, CounterValue, NodeInfo, Record } from './records.js';

/**
 * Checks a batch against the contract before anything is written: types,
 * sizes, finite numbers, known enum values. A refusal names the batch, the
 * record and the field in one sentence, and carries a stable reason for the
 * rejected-records counter.
 */

export interface BatchLimits {
  maxRecordsPerBatch: number;
  maxCountersPerRecord: number;
  maxStringLength: number;
  /** Timestamps later than now plus this are refused: a clock far off, or made-up data. */
  maxFutureMs: number;
  /** Timestamps older than this are refused. */
  maxAgeMs: number;
}

const DAY_MS = 86_400_000;

export const defaultBatchLimits: BatchLimits = {
  maxRecordsPerBatch: 10_000,
  maxCountersPerRecord: 1_024,
  maxStringLength: 1_024,
  maxFutureMs: DAY_MS,
  maxAgeMs: 400 * DAY_MS,
};

export type RejectReason = 'bad_node_id' | 'bad_seq' | 'empty_batch' | 'too_many_records' | 'invalid_record' | 'bad_timestamp' | 'unknown_kind';

export type Validation = { ok: true } | { ok: false; reason: RejectReason; message: string };

/** Node ids become Redis key parts and label values: no braces, spaces or colons. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const RUN_STATUSES = new Set(['RUN_STATUS_OK', 'RUN_STATUS_FAILED', 'RUN_STATUS_KILLED', 'RUN_STATUS_TIMED_OUT', 'RUN_STATUS_INTERRUPTED', 'RUN_STATUS_ERROR']);
const JOB_STATES = new Set(['JOB_STATE_ACCEPTED', 'JOB_STATE_REFUSED', 'JOB_STATE_RUNNING', 'JOB_STATE_DONE', 'JOB_STATE_FAILED']);
const COUNTER_STATUSES = new Set(['COUNTER_STATUS_COUNTED', 'COUNTER_STATUS_NOT_COUNTED', 'COUNTER_STATUS_NOT_SUPPORTED']);

const MAX_NAMED_NUMBERS = 64;
const MAX_NAME_LENGTH = 64;

class FieldError extends Error {
  constructor(
    message: string,
    readonly reason: RejectReason = 'invalid_record',
  ) {
    super(message);
  }
}

export function validateNodeInfo(info: NodeInfo, nowMs = Date.now()): string | undefined {
  if (!NODE_ID_PATTERN.test(info.node_id)) {
    return `node_id "${truncate(info.node_id)}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`;
  }
  try {
    checkNodeInfo(info, 'node_info', defaultBatchLimits, nowMs);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

export function validateBatch(batch: Batch, limits: BatchLimits = defaultBatchLimits, nowMs = Date.now()): Validation {
  const name = `batch ${batch.seq}`;
  if (!NODE_ID_PATTERN.test(batch.node_id)) {
    return refuse('bad_node_id', `${name}: node_id "${truncate(batch.node_id)}" must be 1-128 letters, digits, ".", "_" or "-"`);
  }
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 1) return refuse('bad_seq', `${name}: seq must be a positive integer`);
  if (batch.records.length === 0) return refuse('empty_batch', `${name}: has no records`);
  if (batch.records.length > limits.maxRecordsPerBatch) {
    return refuse('too_many_records', `${name}: ${batch.records.length} records, more than the limit of ${limits.maxRecordsPerBatch}`);
  }
  const seqProblem = checkRecordSeqs(batch);
  if (seqProblem !== undefined) return refuse('bad_seq', `${name}: ${seqProblem}`);
  for (const field of ['produced_records', 'dropped_records'] as const) {
    if (!Number.isSafeInteger(batch[field]) || batch[field] < 0) return refuse('bad_seq', `${name}: ${field} must be a non-negative integer`);
  }
  for (const [index, record] of batch.records.entries()) {
    try {
      checkRecord(record, batch.node_id, limits, nowMs);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      return refuse(error.reason, `${name}: record ${index}: ${error.message}`);
    }
  }
  return { ok: true };
}

/**
 * Records carry their own seqs, strictly increasing, the last one the
 * batch's; or none at all (0), from an agent that numbers batches only.
 */
function checkRecordSeqs(batch: Batch): string | undefined {
  const numbered = batch.records.filter((record) => record.seq !== 0).length;
  if (numbered === 0) return undefined;
  if (numbered !== batch.records.length) return 'some records have a seq and some do not';
  let previous = 0;
  for (const [index, record] of batch.records.entries()) {
    if (!Number.isSafeInteger(record.seq) || record.seq <= previous) return `record ${index}: seq ${record.seq} is not above the one before (${previous})`;
    previous = record.seq;
  }
  if (previous !== batch.seq) return `seq must be its last record's seq (${previous})`;
  return undefined;
}

function refuse(reason: RejectReason, message: string): Validation {
  return { ok: false, reason, message };
}

function checkRecord(record: Record, nodeId: string, limits: BatchLimits, nowMs: number): void {
  const timestamp = (value: number, name: string): void => checkTimestamp(value, name, limits, nowMs);
  switch (record.kind) {
    case 'node_info': {
      const info = record.node_info!;
      if (info.node_id !== nodeId) throw new FieldError(`node_info.node_id "${truncate(info.node_id)}" is not the batch's node "${nodeId}"`);
      checkNodeInfo(info, 'node_info', limits, nowMs);
      return;
    }
    case 'run': {
      const run = record.run!;
      text(run.run_id, 'run.run_id', limits, true);
      text(run.experiment_id, 'run.experiment_id', limits);
      text(run.workload, 'run.workload', limits, true);
      if (run.command.length > limits.maxCountersPerRecord) throw new FieldError(`run.command has ${run.command.length} arguments, more than ${limits.maxCountersPerRecord}`);
      run.command.forEach((arg, i) => text(arg, `run.command[${i}]`, limits));
      if (!RUN_STATUSES.has(run.status)) throw new FieldError(`run.status ${run.status} is not a run status`);
      timestamp(run.started_time_unix_ms, 'run.started_time_unix_ms');
      timestamp(run.ended_time_unix_ms, 'run.ended_time_unix_ms');
      nonNegative(run.duration_ms, 'run.duration_ms');
      nonNegative(run.user_cpu_s, 'run.user_cpu_s');
      nonNegative(run.system_cpu_s, 'run.system_cpu_s');
      text(run.signal, 'run.signal', limits);
      text(run.error, 'run.error', limits);
      if (run.energy_joules !== undefined) nonNegative(run.energy_joules, 'run.energy_joules');
      if (run.items !== undefined) nonNegative(run.items, 'run.items');
      checkCounters(run.counters, 'run.counters', limits);
      checkNumberMap(run.workload_metrics, 'run.workload_metrics', limits);
      checkNumberMap(run.derived, 'run.derived', limits);
      for (const field of ['avg_watts', 'idle_watts', 'joules_per_item', 'energy_uncertainty_joules'] as const) {
        if (run[field] !== undefined) nonNegative(run[field], `run.${field}`);
      }
      if (run.dynamic_energy_joules !== undefined) finite(run.dynamic_energy_joules, 'run.dynamic_energy_joules');
      text(run.energy_source, 'run.energy_source', limits);
      if (run.source_energies.length > limits.maxCountersPerRecord) throw new FieldError(`run.source_energies has ${run.source_energies.length} entries`);
      run.source_energies.forEach((energy, i) => {
        text(energy.source, `run.source_energies[${i}].source`, limits, true);
        text(energy.sensor, `run.source_energies[${i}].sensor`, limits, true);
        nonNegative(energy.energy_joules, `run.source_energies[${i}].energy_joules`);
        nonNegative(energy.avg_watts, `run.source_energies[${i}].avg_watts`);
        nonNegative(energy.uncertainty_joules, `run.source_energies[${i}].uncertainty_joules`);
      });
      if (run.fingerprint !== null && run.fingerprint !== undefined) {
        for (const field of ['arch', 'cpu_model', 'smt', 'frequency_governor', 'kernel', 'perf_version'] as const) {
          text(run.fingerprint[field], `run.fingerprint.${field}`, limits);
        }
      }
      return;
    }
    case 'power_sample': {
      const sample = record.power_sample!;
      text(sample.source, 'power_sample.source', limits, true);
      text(sample.sensor, 'power_sample.sensor', limits, true);
      timestamp(sample.time_unix_ms, 'power_sample.time_unix_ms');
      nonNegative(sample.watts, 'power_sample.watts');
      for (const field of ['min_watts', 'max_watts', 'avg_watts'] as const) {
        if (sample[field] !== undefined) nonNegative(sample[field], `power_sample.${field}`);
      }
      text(sample.state, 'power_sample.state', limits);
      if (sample.energy_joules !== undefined) nonNegative(sample.energy_joules, 'power_sample.energy_joules');
      return;
    }
    case 'power_source_status': {
      const status = record.power_source_status!;
      text(status.source, 'power_source_status.source', limits, true);
      text(status.error, 'power_source_status.error', limits);
      timestamp(status.time_unix_ms, 'power_source_status.time_unix_ms');
      if (status.sensors.length > limits.maxCountersPerRecord) throw new FieldError(`power_source_status.sensors has ${status.sensors.length} entries`);
      status.sensors.forEach((sensor, i) => text(sensor, `power_source_status.sensors[${i}]`, limits));
      return;
    }
    case 'counter_interval': {
      const interval = record.counter_interval!;
      text(interval.run_id, 'counter_interval.run_id', limits, true);
      nonNegative(interval.time_s, 'counter_interval.time_s');
      checkCounters(interval.counters, 'counter_interval.counters', limits);
      return;
    }
    case 'job_status': {
      const status = record.job_status!;
      text(status.job_id, 'job_status.job_id', limits, true);
      if (!JOB_STATES.has(status.state)) throw new FieldError(`job_status.state ${status.state} is not a job state`);
      text(status.message, 'job_status.message', limits);
      timestamp(status.time_unix_ms, 'job_status.time_unix_ms');
      return;
    }
    default:
      throw new FieldError('has no known record kind (node_info, run, power_sample, counter_interval, power_source_status, job_status)', 'unknown_kind');
  }
}

function checkNodeInfo(info: NodeInfo, name: string, limits: BatchLimits, nowMs: number): void {
  for (const field of ['hostname', 'arch', 'cpu_model', 'kernel', 'perf_version', 'agent_version'] as const) {
    text(info[field], `${name}.${field}`, limits);
  }
  checkTimestamp(info.time_unix_ms, `${name}.time_unix_ms`, limits, nowMs);
}

function checkCounters(counters: CounterValue[], name: string, limits: BatchLimits): void {
  if (counters.length > limits.maxCountersPerRecord) {
    throw new FieldError(`${name} has ${counters.length} counters, more than ${limits.maxCountersPerRecord}`);
  }
  counters.forEach((counter, i) => {
    const at = `${name}[${i}]`;
    text(counter.event, `${at}.event`, limits, true);
    text(counter.unit, `${at}.unit`, limits);
    text(counter.metric_unit, `${at}.metric_unit`, limits);
    text(counter.maps_to, `${at}.maps_to`, limits);
    if (counter.scaled_value !== undefined) finite(counter.scaled_value, `${at}.scaled_value`);
    if (!COUNTER_STATUSES.has(counter.status)) throw new FieldError(`${at}.status ${counter.status} is not a counter status`);
    finite(counter.value, `${at}.value`);
    finite(counter.metric_value, `${at}.metric_value`);
    finite(counter.running_percent, `${at}.running_percent`);
    if (counter.running_percent < 0 || counter.running_percent > 100) {
      throw new FieldError(`${at}.running_percent ${counter.running_percent} is outside 0-100`);
    }
  });
}

/** Workload metrics and derived values: named numbers, few, short names, finite. */
function checkNumberMap(map: { [key: string]: number }, name: string, limits: BatchLimits): void {
  const entries = Object.entries(map);
  if (entries.length > MAX_NAMED_NUMBERS) throw new FieldError(`${name} has ${entries.length} entries, more than ${MAX_NAMED_NUMBERS}`);
  for (const [key, value] of entries) {
    if (key === '' || key.length > MAX_NAME_LENGTH) throw new FieldError(`${name} has a name of ${key.length} characters; names are 1-${MAX_NAME_LENGTH}`);
    text(key, `${name} name`, limits);
    finite(value, `${name}["${key}"]`);
  }
}

function text(value: string, name: string, limits: BatchLimits, required = false): void {
  if (required && value === '') throw new FieldError(`${name} is empty`);
  if (value.length > limits.maxStringLength) throw new FieldError(`${name} is ${value.length} characters, more than ${limits.maxStringLength}`);
}

function finite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new FieldError(`${name} is ${value}, not a finite number`);
}

function nonNegative(value: number, name: string): void {
  finite(value, name);
  if (value < 0) throw new FieldError(`${name} is ${value}, below 0`);
}

function checkTimestamp(value: number, name: string, limits: BatchLimits, nowMs: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new FieldError(`${name} is ${value}, not a Unix time in milliseconds`);
  if (value > nowMs + limits.maxFutureMs) {
    throw new FieldError(`${name} is ${new Date(value).toISOString()}, more than ${formatSpan(limits.maxFutureMs)} ahead of the collector's clock (is the node's clock right?)`, 'bad_timestamp');
  }
  if (value < nowMs - limits.maxAgeMs) {
    throw new FieldError(`${name} is ${new Date(value).toISOString()}, more than ${formatSpan(limits.maxAgeMs)} in the past`, 'bad_timestamp');
  }
}

function formatSpan(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}` : `${Math.round(ms / 1000)} s`;
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}
