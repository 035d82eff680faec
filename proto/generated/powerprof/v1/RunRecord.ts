// Original file: proto/powerprof/v1/ingest.proto

import type { RunStatus as _powerprof_v1_RunStatus, RunStatus__Output as _powerprof_v1_RunStatus__Output } from '../../powerprof/v1/RunStatus';
import type { CounterValue as _powerprof_v1_CounterValue, CounterValue__Output as _powerprof_v1_CounterValue__Output } from '../../powerprof/v1/CounterValue';
import type { NodeFingerprint as _powerprof_v1_NodeFingerprint, NodeFingerprint__Output as _powerprof_v1_NodeFingerprint__Output } from '../../powerprof/v1/NodeFingerprint';
import type { Long } from '@grpc/proto-loader';

export interface RunRecord {
  'run_id'?: (string);
  'experiment_id'?: (string);
  'workload'?: (string);
  'command'?: (string)[];
  'repetition'?: (number);
  'status'?: (_powerprof_v1_RunStatus);
  'started_time_unix_ms'?: (number | string | Long);
  'ended_time_unix_ms'?: (number | string | Long);
  'duration_ms'?: (number | string);
  'exit_code'?: (number);
  'signal'?: (string);
  'error'?: (string);
  'counters'?: (_powerprof_v1_CounterValue)[];
  'user_cpu_s'?: (number | string);
  'system_cpu_s'?: (number | string);
  'perf_used'?: (boolean);
  'energy_joules'?: (number | string);
  'warmup'?: (boolean);
  'workload_metrics'?: ({[key: string]: number | string});
  'items'?: (number | string);
  'derived'?: ({[key: string]: number | string});
  'fingerprint'?: (_powerprof_v1_NodeFingerprint | null);
  'event_group'?: (number);
  '_energy_joules'?: "energy_joules";
  '_items'?: "items";
}

export interface RunRecord__Output {
  'run_id': (string);
  'experiment_id': (string);
  'workload': (string);
  'command': (string)[];
  'repetition': (number);
  'status': (_powerprof_v1_RunStatus__Output);
  'started_time_unix_ms': (number);
  'ended_time_unix_ms': (number);
  'duration_ms': (number);
  'exit_code': (number);
  'signal': (string);
  'error': (string);
  'counters': (_powerprof_v1_CounterValue__Output)[];
  'user_cpu_s': (number);
  'system_cpu_s': (number);
  'perf_used': (boolean);
  'energy_joules'?: (number);
  'warmup': (boolean);
  'workload_metrics': ({[key: string]: number});
  'items'?: (number);
  'derived': ({[key: string]: number});
  'fingerprint': (_powerprof_v1_NodeFingerprint__Output | null);
  'event_group': (number);
  '_energy_joules'?: "energy_joules";
  '_items'?: "items";
}
