// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface Ack {
  'seq'?: (number | string | Long);
  'code'?: (number);
  'message'?: (string);
  'duplicate'?: (boolean);
  'retry_after_ms'?: (number | string | Long);
}

export interface Ack__Output {
  'seq': (number);
  'code': (number);
  'message': (string);
  'duplicate': (boolean);
  'retry_after_ms': (number);
}
