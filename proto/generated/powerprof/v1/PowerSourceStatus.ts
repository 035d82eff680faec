// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface PowerSourceStatus {
  'source'?: (string);
  'up'?: (boolean);
  'error'?: (string);
  'time_unix_ms'?: (number | string | Long);
  'sensors'?: (string)[];
}

export interface PowerSourceStatus__Output {
  'source': (string);
  'up': (boolean);
  'error': (string);
  'time_unix_ms': (number);
  'sensors': (string)[];
}
