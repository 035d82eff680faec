// Original file: proto/powerprof/v1/ingest.proto

import type { NodeInfo as _powerprof_v1_NodeInfo, NodeInfo__Output as _powerprof_v1_NodeInfo__Output } from '../../powerprof/v1/NodeInfo';
import type { RunRecord as _powerprof_v1_RunRecord, RunRecord__Output as _powerprof_v1_RunRecord__Output } from '../../powerprof/v1/RunRecord';
import type { PowerSample as _powerprof_v1_PowerSample, PowerSample__Output as _powerprof_v1_PowerSample__Output } from '../../powerprof/v1/PowerSample';
import type { CounterInterval as _powerprof_v1_CounterInterval, CounterInterval__Output as _powerprof_v1_CounterInterval__Output } from '../../powerprof/v1/CounterInterval';
import type { PowerSourceStatus as _powerprof_v1_PowerSourceStatus, PowerSourceStatus__Output as _powerprof_v1_PowerSourceStatus__Output } from '../../powerprof/v1/PowerSourceStatus';
import type { JobStatus as _powerprof_v1_JobStatus, JobStatus__Output as _powerprof_v1_JobStatus__Output } from '../../powerprof/v1/JobStatus';
import type { Long } from '@grpc/proto-loader';

export interface Record {
  'node_info'?: (_powerprof_v1_NodeInfo | null);
  'run'?: (_powerprof_v1_RunRecord | null);
  'power_sample'?: (_powerprof_v1_PowerSample | null);
  'counter_interval'?: (_powerprof_v1_CounterInterval | null);
  'power_source_status'?: (_powerprof_v1_PowerSourceStatus | null);
  'job_status'?: (_powerprof_v1_JobStatus | null);
  'seq'?: (number | string | Long);
  'kind'?: "node_info"|"run"|"power_sample"|"counter_interval"|"power_source_status"|"job_status";
}

export interface Record__Output {
  'node_info'?: (_powerprof_v1_NodeInfo__Output | null);
  'run'?: (_powerprof_v1_RunRecord__Output | null);
  'power_sample'?: (_powerprof_v1_PowerSample__Output | null);
  'counter_interval'?: (_powerprof_v1_CounterInterval__Output | null);
  'power_source_status'?: (_powerprof_v1_PowerSourceStatus__Output | null);
  'job_status'?: (_powerprof_v1_JobStatus__Output | null);
  'seq': (number);
  'kind'?: "node_info"|"run"|"power_sample"|"counter_interval"|"power_source_status"|"job_status";
}
