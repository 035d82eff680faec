import type { Batch, CounterValue, NodeInfo, RunRecord } from '../../proto/records.js';

/**
 * When sample records happened: an hour ago, to the second, so that they
 * stay within the collector's window of believable timestamps.
 */
export const SAMPLE_TIME_MS = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

/** Well-formed records for tests; override what a test is about. */
export function sampleNodeInfo(nodeId: string, overrides: Partial<NodeInfo> = {}): NodeInfo {
  return {
    node_id: nodeId,
    hostname: nodeId,
    arch: 'ppc64le',
    cpu_model: 'POWER9, altivec supported',
    cpus: 128,
    online_cpus: 128,
    threads_per_core: 4,
    cores_per_socket: 16,
    sockets: 2,
    numa_nodes: 2,
    kernel: '6.1.0',
    perf_version: '6.1',
    agent_version: '0.1.0',
    time_unix_ms: SAMPLE_TIME_MS,
    spool_epoch: 0,
    pmu_emulation: '',
    ...overrides,
  };
}

export function sampleCounter(event: string, value: number, overrides: Partial<CounterValue> = {}): CounterValue {
  return { event, value, unit: '', running_percent: 100, status: 'COUNTER_STATUS_COUNTED', metric_value: 0, metric_unit: '', maps_to: '', ...overrides };
}

export function sampleRun(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    run_id: runId,
    experiment_id: 'exp-1',
    workload: 'resnet50',
    command: ['python3', 'resnet50.py', '500', '1'],
    repetition: 1,
    status: 'RUN_STATUS_OK',
    started_time_unix_ms: SAMPLE_TIME_MS,
    ended_time_unix_ms: SAMPLE_TIME_MS + 12_500,
    duration_ms: 12_500,
    exit_code: 0,
    signal: '',
    error: '',
    counters: [
      sampleCounter('cycles', 1_000_000),
      sampleCounter('instructions', 2_000_000),
      sampleCounter('cache-misses', 0, { status: 'COUNTER_STATUS_NOT_SUPPORTED', running_percent: 0 }),
    ],
    user_cpu_s: 12,
    system_cpu_s: 0.4,
    perf_used: true,
    warmup: false,
    workload_metrics: {},
    derived: { ipc: 2 },
    fingerprint: {
      arch: 'ppc64le',
      cpu_model: 'POWER9, altivec supported',
      smt: 'on',
      online_cpus: 128,
      frequency_governor: 'performance',
      kernel: '6.1.0',
      perf_version: '6.1',
      numa_nodes: 2,
      pmu_emulation: '',
    },
    event_group: 0,
    source_energies: [],
    energy_source: '',
    ...overrides,
  };
}

export function sampleBatch(nodeId: string, seq: number, runIds: string[]): Batch {
  return {
    node_id: nodeId,
    seq,
    records: runIds.map((id) => ({ seq: 0, kind: 'run' as const, run: sampleRun(id) })),
    produced_records: 0,
    dropped_records: 0,
    spool_epoch: 0,
    refused_records: 0,
  };
}
