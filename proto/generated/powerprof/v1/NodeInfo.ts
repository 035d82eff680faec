// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'node_id'?: (string);
  'hostname'?: (string);
  'arch'?: (string);
  'cpu_model'?: (string);
  'cpus'?: (number);
  'online_cpus'?: (number);
  'threads_per_core'?: (number);
  'cores_per_socket'?: (number);
  'sockets'?: (number);
  'numa_nodes'?: (number);
  'kernel'?: (string);
  'perf_version'?: (string);
  'agent_version'?: (string);
  'time_unix_ms'?: (number | string | Long);
  'spool_epoch'?: (number | string | Long);
  'pmu_emulation'?: (string);
}

export interface NodeInfo__Output {
  'node_id': (string);
  'hostname': (string);
  'arch': (string);
  'cpu_model': (string);
  'cpus': (number);
  'online_cpus': (number);
  'threads_per_core': (number);
  'cores_per_socket': (number);
  'sockets': (number);
  'numa_nodes': (number);
  'kernel': (string);
  'perf_version': (string);
  'agent_version': (string);
  'time_unix_ms': (number);
  'spool_epoch': (number);
  'pmu_emulation': (string);
}
