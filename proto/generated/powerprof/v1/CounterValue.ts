// Original file: proto/powerprof/v1/ingest.proto

import type { CounterStatus as _powerprof_v1_CounterStatus, CounterStatus__Output as _powerprof_v1_CounterStatus__Output } from '../../powerprof/v1/CounterStatus';

export interface CounterValue {
  'event'?: (string);
  'value'?: (number | string);
  'unit'?: (string);
  'running_percent'?: (number | string);
  'status'?: (_powerprof_v1_CounterStatus);
  'metric_value'?: (number | string);
  'metric_unit'?: (string);
  'scaled_value'?: (number | string);
  'maps_to'?: (string);
  '_scaled_value'?: "scaled_value";
}

export interface CounterValue__Output {
  'event': (string);
  'value': (number);
  'unit': (string);
  'running_percent': (number);
  'status': (_powerprof_v1_CounterStatus__Output);
  'metric_value': (number);
  'metric_unit': (string);
  'scaled_value'?: (number);
  'maps_to': (string);
  '_scaled_value'?: "scaled_value";
}
