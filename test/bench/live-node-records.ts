import type { CounterValue, Record as RecordMessage } from '../../proto/records.js';

/** A deterministic random sequence, so that runs of the bench compare like with like. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** What perf says a generic event counts, as the agent records it (the layout before issue 19 repeated it per interval). */
const MAPS_TO: Record<string, string> = {
  cycles: 'cpu-cycles: the PMU event PM_CYC (cycles) on this CPU',
  instructions: 'instructions: the PMU event PM_INST_CMPL (instructions completed)',
  'cache-references': 'cache-references: PM_LD_REF_L1 (L1 data cache load references)',
  'cache-misses': 'cache-misses: PM_LD_MISS_L1 (L1 data cache load misses)',
  branches: 'branches: PM_BR_CMPL (branches completed)',
  'branch-misses': 'branch-misses: PM_BR_MPRED_CMPL (branches mispredicted)',
};

/** The default preset's nine events, with what one 100 ms interval of a busy core counts, roughly. */
const EVENTS: Array<[string, number, string]> = [
  ['cycles', 2.6e8, ''],
  ['instructions', 4.1e8, ''],
  ['cache-references', 6.2e6, ''],
  ['cache-misses', 1.1e6, ''],
  ['branches', 7.7e7, ''],
  ['branch-misses', 1.9e6, ''],
  ['task-clock', 100.2, 'msec'],
  ['context-switches', 12, ''],
  ['page-faults', 40, ''],
];

/**
 * What a node sends most: a DCMI power sample every 100 ms (watts wandering
 * between idle and load, with the BMC's min, max and average) and a 9-event
 * counter interval every 100 ms, counts varying as real ones do, two events
 * multiplexed. Varying values matter: identical records would compress to
 * nothing and flatter the bytes on disk.
 */
export function liveNodeRecords(count: number, startMs: number, random: () => number): RecordMessage[] {
  const records: RecordMessage[] = [];
  let watts = 300;
  for (let i = 0; i < count; i++) {
    watts = Math.min(420, Math.max(250, watts + (random() - 0.5) * 12));
    const time = startMs + i * 100;
    records.push({
      seq: 2 * i + 1,
      kind: 'power_sample',
      power_sample: {
        source: 'ipmi-dcmi',
        sensor: 'system',
        time_unix_ms: time,
        watts: Math.round(watts),
        min_watts: 248,
        max_watts: 431,
        avg_watts: Math.round(watts - 5 + random() * 10),
        sampling_period_ms: 1000,
        state: 'activated',
        stale: false,
        read_started_unix_ms: time - 2,
        read_ended_unix_ms: time + 3,
      },
    });
    const counters: CounterValue[] = EVENTS.map(([event, typical, unit], e) => {
      const value = unit === 'msec' ? Math.round((typical + random()) * 100) / 100 : Math.round(typical * (0.8 + random() * 0.4));
      return {
        event,
        value,
        unit,
        running_percent: e === 2 || e === 3 ? 50 + Math.round(random() * 1000) / 100 : 100,
        status: 'COUNTER_STATUS_COUNTED',
        metric_value: 0,
        metric_unit: '',
        maps_to: MAPS_TO[event] ?? '',
      };
    });
    records.push({
      seq: 2 * i + 2,
      kind: 'counter_interval',
      counter_interval: { run_id: 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', time_s: 0.1 * (i + 1) + random() * 1e-4, counters },
    });
  }
  return records;
}
