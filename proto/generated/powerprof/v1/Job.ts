// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface Job {
  'job_id'?: (string);
  'workload'?: (string);
  'repeat'?: (number);
  'warmup'?: (number);
  'events'?: (string)[];
  'interval_ms'?: (number);
  'created_unix_ms'?: (number | string | Long);
}

export interface Job__Output {
  'job_id': (string);
  'workload': (string);
  'repeat': (number);
  'warmup': (number);
  'events': (string)[];
  'interval_ms': (number);
  'created_unix_ms': (number);
}
