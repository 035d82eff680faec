/**
 * What the collector accepts in a record, beyond what the proto's types say.
 * Some rules hold for every field of a type:
 *   - strings: at most maxStringLength characters;
 *   - doubles: finite;
 *   - enums: a named value other than the zero (UNSPECIFIED) one;
 *   - repeated fields: at most maxCountersPerRecord entries;
 *   - map<string, double>: at most 64 entries, names of 1-64 characters.
 * The table adds what holds for one field only. An absent field is checked
 * as its default: an absent required string is empty, an absent timestamp is 0.
 */

export interface BatchLimits {
  maxRecordsPerBatch: number;
  maxCountersPerRecord: number;
  maxStringLength: number;
  /** Timestamps later than now plus this are refused: a clock far off, or made-up data. */
  maxFutureMs: number;
  /** Timestamps older than this are refused. */
  maxAgeMs: number;
  /**
   * A batch's records as the JSON that is stored, at most: what bounds the
   * memory one batch takes, since a record of a few bytes on the wire can
   * take some 20 times that written out (every field, by name).
   */
  maxStoredBatchBytes: number;
}

export const DAY_MS = 86_400_000;

export const defaultBatchLimits: BatchLimits = {
  maxRecordsPerBatch: 10_000,
  maxCountersPerRecord: 1_024,
  maxStringLength: 1_024,
  maxFutureMs: DAY_MS,
  maxAgeMs: 400 * DAY_MS,
  // An agent's batch (at most 1 MiB on the wire) takes 2-3 MiB; a 16 MiB batch of real records fits.
  maxStoredBatchBytes: 64 * 1024 * 1024,
};

export const MAX_MAP_ENTRIES = 64;
export const MAX_MAP_NAME_LENGTH = 64;

export interface FieldRule {
  /** A string that must not be empty. */
  required?: true;
  /** A number that must be at least this. */
  min?: number;
  /** A number that must be at most this. */
  max?: number;
  /** Unix time in milliseconds, inside the window the limits set. */
  timestamp?: true;
}

const required: FieldRule = { required: true };
const nonNegative: FieldRule = { min: 0 };
const timestamp: FieldRule = { timestamp: true };
/**
 * Upper bounds for what is summed into counters (events over runs, energy,
 * items): far above anything real (a perf count is a 64-bit integer; 1e15 J
 * is a megawatt for thirty years), low enough that no number of such values
 * adds up to infinity.
 */
const count: FieldRule = { min: 0, max: 2 ** 64 };
const summed: FieldRule = { min: 0, max: 1e15 };
const watts: FieldRule = { min: 0, max: 1e9 };

/** By message, then field, as named in proto/powerprof/v1/ingest.proto. */
export const fieldRules: { [message: string]: { [field: string]: FieldRule } } = {
  NodeInfo: { time_unix_ms: timestamp },
  RunRecord: {
    run_id: required,
    workload: required,
    started_time_unix_ms: timestamp,
    ended_time_unix_ms: timestamp,
    duration_ms: nonNegative,
    user_cpu_s: nonNegative,
    system_cpu_s: nonNegative,
    energy_joules: summed,
    items: summed,
    avg_watts: watts,
    idle_watts: watts,
    joules_per_item: nonNegative,
    energy_uncertainty_joules: nonNegative,
    dynamic_energy_joules: { min: -1e15, max: 1e15 },
  },
  SourceEnergy: { source: required, sensor: required, energy_joules: summed, avg_watts: watts, uncertainty_joules: nonNegative },
  CounterValue: { event: required, value: count, scaled_value: { min: 0, max: 2 ** 64 * 100 }, running_percent: { min: 0, max: 100 } },
  PowerSample: {
    source: required,
    sensor: required,
    time_unix_ms: timestamp,
    watts,
    min_watts: watts,
    max_watts: watts,
    avg_watts: watts,
    energy_joules: nonNegative,
  },
  PowerSourceStatus: { source: required, time_unix_ms: timestamp },
  CounterInterval: { run_id: required, time_s: nonNegative },
  JobStatus: { job_id: required, time_unix_ms: timestamp },
};
