// Original file: proto/powerprof/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface RecordRefusal {
  'index'?: (number);
  'seq'?: (number | string | Long);
  'reason'?: (string);
  'message'?: (string);
}

export interface RecordRefusal__Output {
  'index': (number);
  'seq': (number);
  'reason': (string);
  'message': (string);
}
