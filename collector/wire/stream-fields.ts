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

/** A power sample from its stream entry's fields (name, value, name, value, ...; other names ignored). */
export function powerSampleOf(fields: readonly string[]): PowerSample {
  const sample: PowerSample = { source: '', sensor: '', time_unix_ms: 0, watts: 0, state: '', stale: false, read_started_unix_ms: 0, read_ended_unix_ms: 0 };
  let before: number | undefined;
  let after: number | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const text = fields[i + 1]!;
    switch (fields[i]) {
      case 'source':
        sample.source = text;
        break;
      case 'sensor':
        sample.sensor = text;
        break;
      case 'time_unix_ms':
        sample.time_unix_ms = Number(text);
        break;
      case 'watts':
        sample.watts = Number(text);
        break;
      case 'min_watts':
        sample.min_watts = Number(text);
        break;
      case 'max_watts':
        sample.max_watts = Number(text);
        break;
      case 'avg_watts':
        sample.avg_watts = Number(text);
        break;
      case 'sampling_period_ms':
        sample.sampling_period_ms = Number(text);
        break;
      case 'energy_joules':
        sample.energy_joules = Number(text);
        break;
      case 'state':
        sample.state = text;
        break;
      case 'stale':
        sample.stale = text === '1';
        break;
      case 'read_started_before_ms':
        before = Number(text);
        break;
      case 'read_ended_after_ms':
        after = Number(text);
        break;
    }
  }
  if (before !== undefined) sample.read_started_unix_ms = sample.time_unix_ms - before;
  if (after !== undefined) sample.read_ended_unix_ms = sample.time_unix_ms + after;
  return sample;
}

const STATUS_ENUMS = new Map(Object.entries(STATUS_CODES).map(([name, word]) => [word, name]));

/**
 * A counter interval from its stream entry's fields (name, value, ...), its
 * events in the order they were stored. An event's fields are adjacent as
 * counterIntervalFields writes them, so each is matched against the event
 * before it first (no lookup, no string made); any order still reads right.
 */
export function counterIntervalOf(fields: readonly string[]): CounterInterval {
  const interval: CounterInterval = { run_id: '', time_s: 0, counters: [] };
  const byEvent = new Map<string, CounterValue>();
  let current: CounterValue | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const text = fields[i + 1]!;
    if (name.length < 2 || name.charCodeAt(1) !== COLON) {
      if (name === 'run_id') interval.run_id = text;
      else if (name === 'time_s') interval.time_s = Number(text);
      continue;
    }
    const prefix = name.charCodeAt(0);
    if (prefix !== E && prefix !== S && prefix !== R && prefix !== U) continue;
    if (current === undefined || name.length !== current.event.length + 2 || !name.endsWith(current.event)) {
      const event = name.slice(2);
      current = byEvent.get(event);
      if (current === undefined) {
        current = { event, value: 0, unit: '', running_percent: 100, status: 'COUNTER_STATUS_COUNTED', metric_value: 0, metric_unit: '', maps_to: '' };
        byEvent.set(event, current);
        interval.counters.push(current);
      }
    }
    if (prefix === E) current.value = Number(text);
    else if (prefix === R) current.running_percent = Number(text);
    else if (prefix === U) current.unit = text;
    else {
      current.status = (STATUS_ENUMS.get(text) ?? text) as CounterValue['status'];
      current.value = 0;
      current.running_percent = 0;
    }
  }
  for (const value of interval.counters) {
    if (value.status === 'COUNTER_STATUS_COUNTED' && value.running_percent > 0 && value.running_percent < 100)
      value.scaled_value = (value.value * 100) / value.running_percent;
  }
  return interval;
}

const COLON = 0x3a;
const [E, S, R, U] = ['e', 's', 'r', 'u'].map((letter) => letter.charCodeAt(0)) as [number, number, number, number];
