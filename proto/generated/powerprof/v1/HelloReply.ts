// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface HelloReply {
  'collector_version'?: (string);
  'last_seq'?: (number | string | Long);
}

export interface HelloReply__Output {
  'collector_version': (string);
  'last_seq': (number);
}
