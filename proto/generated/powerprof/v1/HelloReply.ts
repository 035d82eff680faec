// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface HelloReply {
  'collector_version'?: (string);
  'last_seq'?: (number | string | Long);
  'max_batch_bytes'?: (number | string | Long);
  'max_records_per_batch'?: (number);
}

export interface HelloReply__Output {
  'collector_version': (string);
  'last_seq': (number);
  'max_batch_bytes': (number);
  'max_records_per_batch': (number);
}
