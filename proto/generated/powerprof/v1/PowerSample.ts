// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface PowerSample {
  'source'?: (string);
  'sensor'?: (string);
  'time_unix_ms'?: (number | string | Long);
  'watts'?: (number | string);
  'min_watts'?: (number | string);
  'max_watts'?: (number | string);
  'avg_watts'?: (number | string);
  'sampling_period_ms'?: (number);
  'state'?: (string);
  'stale'?: (boolean);
  'read_started_unix_ms'?: (number | string | Long);
  'read_ended_unix_ms'?: (number | string | Long);
  'energy_joules'?: (number | string);
  '_min_watts'?: "min_watts";
  '_max_watts'?: "max_watts";
  '_avg_watts'?: "avg_watts";
  '_sampling_period_ms'?: "sampling_period_ms";
  '_energy_joules'?: "energy_joules";
}

export interface PowerSample__Output {
  'source': (string);
  'sensor': (string);
  'time_unix_ms': (number);
  'watts': (number);
  'min_watts'?: (number);
  'max_watts'?: (number);
  'avg_watts'?: (number);
  'sampling_period_ms'?: (number);
  'state': (string);
  'stale': (boolean);
  'read_started_unix_ms': (number);
  'read_ended_unix_ms': (number);
  'energy_joules'?: (number);
  '_min_watts'?: "min_watts";
  '_max_watts'?: "max_watts";
  '_avg_watts'?: "avg_watts";
  '_sampling_period_ms'?: "sampling_period_ms";
  '_energy_joules'?: "energy_joules";
}
