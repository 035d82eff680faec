// Original file: proto/powerprof/v1/ingest.proto

import type { RunStatus as _powerprof_v1_RunStatus, RunStatus__Output as _powerprof_v1_RunStatus__Output } from '../../powerprof/v1/RunStatus';
import type { CounterValue as _powerprof_v1_CounterValue, CounterValue__Output as _powerprof_v1_CounterValue__Output } from '../../powerprof/v1/CounterValue';
import type { NodeFingerprint as _powerprof_v1_NodeFingerprint, NodeFingerprint__Output as _powerprof_v1_NodeFingerprint__Output } from '../../powerprof/v1/NodeFingerprint';
import type { SourceEnergy as _powerprof_v1_SourceEnergy, SourceEnergy__Output as _powerprof_v1_SourceEnergy__Output } from '../../powerprof/v1/SourceEnergy';
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
  'source_energies'?: (_powerprof_v1_SourceEnergy)[];
  'energy_source'?: (string);
  'avg_watts'?: (number | string);
  'idle_watts'?: (number | string);
  'dynamic_energy_joules'?: (number | string);
  'joules_per_item'?: (number | string);
  'energy_uncertainty_joules'?: (number | string);
  '_energy_joules'?: "energy_joules";
  '_items'?: "items";
  '_avg_watts'?: "avg_watts";
  '_idle_watts'?: "idle_watts";
  '_dynamic_energy_joules'?: "dynamic_energy_joules";
  '_joules_per_item'?: "joules_per_item";
  '_energy_uncertainty_joules'?: "energy_uncertainty_joules";
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
  'source_energies': (_powerprof_v1_SourceEnergy__Output)[];
  'energy_source': (string);
  'avg_watts'?: (number);
  'idle_watts'?: (number);
  'dynamic_energy_joules'?: (number);
  'joules_per_item'?: (number);
  'energy_uncertainty_joules'?: (number);
  '_energy_joules'?: "energy_joules";
  '_items'?: "items";
  '_avg_watts'?: "avg_watts";
  '_idle_watts'?: "idle_watts";
  '_dynamic_energy_joules'?: "dynamic_energy_joules";
  '_joules_per_item'?: "joules_per_item";
  '_energy_uncertainty_joules'?: "energy_uncertainty_joules";
}
