import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { decodeEntry } from '../../../collector/queue/stream-entry.js';
import { counterIntervalFields, powerSampleFields } from '../../../collector/wire/stream-fields.js';
import type { CounterInterval, PowerSample } from '../../../proto/records.js';

const back = (kind: string, fields: string[]): unknown => decodeEntry('1-0', ['seq', '7', 'kind', kind, ...fields]).data;

it('a power sample reads back from its fields as it was, every field the proto has', () => {
  const keys = [
    'source',
    'sensor',
    'time_unix_ms',
    'watts',
    'min_watts',
    'max_watts',
    'avg_watts',
    'sampling_period_ms',
    'state',
    'stale',
    'read_started_unix_ms',
    'read_ended_unix_ms',
    'energy_joules',
  ];
  const full: PowerSample = {
    source: 'ipmi-dcmi',
    sensor: 'system',
    time_unix_ms: 1_796_000_000_123,
    watts: 412.5,
    min_watts: 380,
    max_watts: 460,
    avg_watts: 410,
    sampling_period_ms: 1000,
    state: 'activated',
    stale: true,
    read_started_unix_ms: 1_796_000_000_120,
    read_ended_unix_ms: 1_796_000_000_126,
    energy_joules: 12.25,
  };
  assert.deepEqual(Object.keys(full).sort(), [...keys].sort(), 'the test covers every field');
  assert.deepEqual(back('power_sample', powerSampleFields(full)), full);
  const hwmon: PowerSample = {
    source: 'hwmon',
    sensor: 'ibmpowernv/System',
    time_unix_ms: 5,
    watts: 426,
    state: '',
    stale: false,
    read_started_unix_ms: 0,
    read_ended_unix_ms: 0,
  };
  assert.deepEqual(back('power_sample', powerSampleFields(hwmon)), hwmon);
  assert.deepEqual(
    powerSampleFields(hwmon),
    ['source', 'hwmon', 'sensor', 'ibmpowernv/System', 'time_unix_ms', '5', 'watts', '426'],
    'no default-valued field is stored',
  );
});

it('a counter interval reads back with every event, value, status, running share and unit; scaled values recomputed', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 }),
      fc.double({ min: 0, max: 1e15, noNaN: true }),
      (events, value) => {
        const interval: CounterInterval = {
          run_id: 'r-1',
          time_s: 1.000123456,
          counters: events.map((event, i) =>
            i % 3 === 2
              ? {
                  event,
                  value: 0,
                  unit: '',
                  // perf prints <not counted> at 100 % for an interval the workload did not run in: kept as printed.
                  running_percent: i === 2 ? 100 : 0,
                  status: i % 2 === 0 ? 'COUNTER_STATUS_NOT_SUPPORTED' : 'COUNTER_STATUS_NOT_COUNTED',
                  metric_value: 0,
                  metric_unit: '',
                  maps_to: '',
                }
              : {
                  event,
                  value: value + i,
                  unit: i === 0 ? 'msec' : '',
                  running_percent: i === 1 ? 37.5 : 100,
                  status: 'COUNTER_STATUS_COUNTED',
                  metric_value: 0,
                  metric_unit: '',
                  maps_to: '',
                  ...(i === 1 ? { scaled_value: ((value + i) * 100) / 37.5 } : {}),
                },
          ),
        };
        assert.deepEqual(back('counter_interval', counterIntervalFields(interval)), interval);
      },
    ),
  );
});

it('an entry of the old layout (every kind as JSON in "data") still reads back', () => {
  const sample = { source: 'hwmon', sensor: 's', time_unix_ms: 5, watts: 1, state: '', stale: false, read_started_unix_ms: 0, read_ended_unix_ms: 0 };
  assert.deepEqual(decodeEntry('1-0', ['seq', '3', 'kind', 'power_sample', 'data', JSON.stringify(sample)]), {
    id: '1-0',
    seq: 3,
    kind: 'power_sample',
    data: sample,
  });
});
