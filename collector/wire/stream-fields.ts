import type { CounterInterval, CounterValue, PowerSample, Record as RecordMessage } from '../../proto/records.js';

/**
 * How the two records a node sends most often are stored in its Redis
 * stream: one field per value, numbers as numbers, so that Redis's listpacks
 * keep each field name once for the entries of the same shape and store
 * little more than the numbers (issue 19: from 487 and about 2,000 bytes a
 * record to under 120 and 220). Any Redis client reads them without
 * powerprof's code; docs/data.md shows an XRANGE reply.
 *
 * power_sample: source, sensor, time_unix_ms, watts, then min_watts,
 *   max_watts, avg_watts and sampling_period_ms where the source gives
 *   them, energy_joules for a cumulative counter, state where it says one, stale only when 1, and the read's span
 *   around time_unix_ms as read_started_before_ms and read_ended_after_ms.
 * counter_interval: run_id, time_s, and per event "e:EVENT" its value when
 *   counted (with "r:EVENT", its running percent, when below 100), or
 *   "s:EVENT" its status when not (NC: perf's <not counted>, NS: <not
 *   supported>; no value, and "r:EVENT" only when its share is not 0); "u:EVENT" its unit when it
 *   has one. perf's
 *   derived metric and what a generic event maps to are the run's (in its run
 *   record), not repeated ten times a second; the scaled estimate is the
 *   value x 100 / running percent.
 * Every other kind is one field, data: the record as JSON.
 */
export function powerSampleFields(sample: PowerSample): string[] {
  const fields = ['source', sample.source, 'sensor', sample.sensor, 'time_unix_ms', String(sample.time_unix_ms), 'watts', String(sample.watts)];
  if (sample.min_watts !== undefined) fields.push('min_watts', String(sample.min_watts));
  if (sample.max_watts !== undefined) fields.push('max_watts', String(sample.max_watts));
  if (sample.avg_watts !== undefined) fields.push('avg_watts', String(sample.avg_watts));
  if (sample.sampling_period_ms !== undefined) fields.push('sampling_period_ms', String(sample.sampling_period_ms));
  if (sample.energy_joules !== undefined) fields.push('energy_joules', String(sample.energy_joules));
  if (sample.state !== '') fields.push('state', sample.state);
  if (sample.stale) fields.push('stale', '1');
  if (sample.read_started_unix_ms !== 0) fields.push('read_started_before_ms', String(sample.time_unix_ms - sample.read_started_unix_ms));
  if (sample.read_ended_unix_ms !== 0) fields.push('read_ended_after_ms', String(sample.read_ended_unix_ms - sample.time_unix_ms));
  return fields;
}

/** Short codes for what perf prints as <not counted> and <not supported>: they repeat ten times a second. */
export const STATUS_CODES: Readonly<Record<string, string>> = {
  COUNTER_STATUS_NOT_COUNTED: 'NC',
  COUNTER_STATUS_NOT_SUPPORTED: 'NS',
  COUNTER_STATUS_UNSPECIFIED: 'U',
};

export function counterIntervalFields(interval: CounterInterval): string[] {
  const fields = ['run_id', interval.run_id, 'time_s', String(interval.time_s)];
  for (const counter of interval.counters) {
    if (counter.status === 'COUNTER_STATUS_COUNTED') {
      fields.push(`e:${counter.event}`, String(counter.value));
      if (counter.running_percent < 100) fields.push(`r:${counter.event}`, String(counter.running_percent));
    } else {
      // An event not counted has no value; its running share is kept where perf printed one (<not counted> at 100 %
      // for an interval in which the workload did not run).
      fields.push(`s:${counter.event}`, STATUS_CODES[counter.status] ?? counter.status);
      if (counter.running_percent !== 0) fields.push(`r:${counter.event}`, String(counter.running_percent));
    }
    if (counter.unit !== '') fields.push(`u:${counter.event}`, counter.unit);
  }
  return fields;
}

/** The fields a record is stored as, or undefined for the kinds stored as JSON (data). */
export function streamFields(record: RecordMessage): string[] | undefined {
  if (record.power_sample) return powerSampleFields(record.power_sample);
  if (record.counter_interval) return counterIntervalFields(record.counter_interval);
  return undefined;
}

/** A power sample from its stream fields (by name). */
export function powerSampleOf(fields: ReadonlyMap<string, string>): PowerSample {
  const number = (name: string): number | undefined => (fields.has(name) ? Number(fields.get(name)) : undefined);
  const time = number('time_unix_ms') ?? 0;
  const before = number('read_started_before_ms');
  const after = number('read_ended_after_ms');
  return {
    source: fields.get('source') ?? '',
    sensor: fields.get('sensor') ?? '',
    time_unix_ms: time,
    watts: number('watts') ?? 0,
    ...(fields.has('min_watts') ? { min_watts: number('min_watts') } : {}),
    ...(fields.has('max_watts') ? { max_watts: number('max_watts') } : {}),
    ...(fields.has('avg_watts') ? { avg_watts: number('avg_watts') } : {}),
    ...(fields.has('sampling_period_ms') ? { sampling_period_ms: number('sampling_period_ms') } : {}),
    ...(fields.has('energy_joules') ? { energy_joules: number('energy_joules') } : {}),
    state: fields.get('state') ?? '',
    stale: fields.get('stale') === '1',
    read_started_unix_ms: before === undefined ? 0 : time - before,
    read_ended_unix_ms: after === undefined ? 0 : time + after,
  };
}

const STATUS_ENUMS = new Map(Object.entries(STATUS_CODES).map(([name, word]) => [word, name]));

/** A counter interval from its stream fields, in the order they were stored. */
export function counterIntervalOf(fields: ReadonlyArray<readonly [string, string]>): CounterInterval {
  const byName = new Map(fields);
  const counters = new Map<string, CounterValue>();
  const counter = (event: string): CounterValue => {
    let value = counters.get(event);
    if (value === undefined) {
      value = { event, value: 0, unit: '', running_percent: 100, status: 'COUNTER_STATUS_COUNTED', metric_value: 0, metric_unit: '', maps_to: '' };
      counters.set(event, value);
    }
    return value;
  };
  for (const [name, text] of fields) {
    const event = name.slice(2);
    if (name.startsWith('e:')) counter(event).value = Number(text);
    else if (name.startsWith('s:')) Object.assign(counter(event), { status: STATUS_ENUMS.get(text) ?? text, value: 0, running_percent: 0 });
    else if (name.startsWith('r:')) counter(event).running_percent = Number(text);
    else if (name.startsWith('u:')) counter(event).unit = text;
  }
  for (const value of counters.values()) {
    if (value.status === 'COUNTER_STATUS_COUNTED' && value.running_percent > 0 && value.running_percent < 100)
      value.scaled_value = (value.value * 100) / value.running_percent;
  }
  return { run_id: byName.get('run_id') ?? '', time_s: Number(byName.get('time_s') ?? 0), counters: [...counters.values()] };
}
