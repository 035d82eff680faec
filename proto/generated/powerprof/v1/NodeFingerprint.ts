// Original file: proto/powerprof/v1/ingest.proto


export interface NodeFingerprint {
  'arch'?: (string);
  'cpu_model'?: (string);
  'smt'?: (string);
  'online_cpus'?: (number);
  'frequency_governor'?: (string);
  'kernel'?: (string);
  'perf_version'?: (string);
  'numa_nodes'?: (number);
  'pmu_emulation'?: (string);
}

export interface NodeFingerprint__Output {
  'arch': (string);
  'cpu_model': (string);
  'smt': (string);
  'online_cpus': (number);
  'frequency_governor': (string);
  'kernel': (string);
  'perf_version': (string);
  'numa_nodes': (number);
  'pmu_emulation': (string);
}
