// Original file: proto/powerprof/v1/ingest.proto

import type { CounterValue as _powerprof_v1_CounterValue, CounterValue__Output as _powerprof_v1_CounterValue__Output } from '../../powerprof/v1/CounterValue';

export interface CounterInterval {
  'run_id'?: (string);
  'time_s'?: (number | string);
  'counters'?: (_powerprof_v1_CounterValue)[];
}

export interface CounterInterval__Output {
  'run_id': (string);
  'time_s': (number);
  'counters': (_powerprof_v1_CounterValue__Output)[];
}
