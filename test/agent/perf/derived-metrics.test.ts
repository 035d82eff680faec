import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildRunRecord, toCounterValue } from '../../../agent/experiment/build-run-record.js';
import { derivedMetrics } from '../../../agent/perf/derived-metrics.js';
import { parsePerfStat } from '../../../agent/perf/parse-perf-stat.js';
import type { WorkloadOutcome } from '../../../agent/workload/run-workload.js';
import { captureCases } from '../../support/capture-cases.js';

function rows(name: string) {
  const parsed = parsePerfStat(captureCases('perf-stat').find((c) => c.name === name)!.stdout);
  assert.ok(parsed.ok);
  return parsed.rows;
}

it('derives IPC and miss ratios from counted events only', () => {
  const derived = derivedMetrics(rows('perf-stat__cn-doc-perf3-task-clock-msec-old__1'), new Map());
  assert.equal(derived.ipc, 7_031_016 / 12_977_818);
  assert.equal(derived.branch_miss_ratio, 42_794 / 1_335_042);
  assert.equal(derived.cache_miss_ratio, undefined, 'cache events were not requested');
  assert.deepEqual(derivedMetrics(rows('perf-stat__caos-ru-locale-vm-notsupported__1'), new Map()), {}, 'not supported is absent, never 0');
  assert.deepEqual(derivedMetrics(rows('perf-stat__lkml-arm64-default-events-not-counted__1'), new Map()), {});
});

it('keeps the raw count and marks the scaled estimate of a multiplexed counter', () => {
  const [r3e054] = rows('perf-stat__linuxppc-power9-alt-events-multiplexed__1');
  const counter = toCounterValue(r3e054!, 'ppc64le');
  assert.equal(counter.value, 1_057_860);
  assert.equal(counter.running_percent, 50.21);
  assert.equal(counter.scaled_value, (1_057_860 * 100) / 50.21);
  const full = toCounterValue({ event: 'cache-misses', value: 10, unit: '', status: 'counted', running_percent: 100 }, 'ppc64le');
  assert.equal(full.scaled_value, undefined, 'no scaled value where nothing was scaled');
  assert.equal(full.maps_to, 'L1 data-cache load misses, counted at finish (PM_LD_MISS_L1_FIN)');
});

it('derived ratios of multiplexed counters use the scaled estimates', () => {
  const outcome: WorkloadOutcome = {
    status: 'ok',
    startedTimeUnixMs: 1,
    endedTimeUnixMs: 2,
    durationMs: 1,
    exitCode: 0,
    signal: '',
    error: '',
    userCpuS: 0,
    systemCpuS: 0,
    perfUsed: true,
    agentCpuS: 0,
    workloadMetrics: new Map([['items', 10]]),
    counters: [
      { event: 'cycles', value: 1000, unit: '', status: 'counted', running_percent: 50 },
      { event: 'instructions', value: 1000, unit: '', status: 'counted', running_percent: 25 },
    ],
  };
  const fingerprint = {
    arch: 'x86_64',
    cpu_model: '',
    smt: '',
    online_cpus: 2,
    frequency_governor: '',
    kernel: '',
    perf_version: '',
    numa_nodes: 1,
    pmu_emulation: '',
  };
  const run = buildRunRecord(outcome, {
    runId: 'r',
    experimentId: 'e',
    workload: 'w',
    command: ['w'],
    repetition: 1,
    warmup: false,
    eventGroup: 0,
    itemsKey: 'items',
    fingerprint,
  });
  assert.equal(run.derived.ipc, 4000 / 2000);
  assert.equal(run.items, 10);
});
