// Original file: proto/powerprof/v1/ingest.proto

import type { RecordRefusal as _powerprof_v1_RecordRefusal, RecordRefusal__Output as _powerprof_v1_RecordRefusal__Output } from '../../powerprof/v1/RecordRefusal';
import type { Long } from '@grpc/proto-loader';

export interface Ack {
  'seq'?: (number | string | Long);
  'code'?: (number);
  'message'?: (string);
  'duplicate'?: (boolean);
  'retry_after_ms'?: (number | string | Long);
  'refused'?: (_powerprof_v1_RecordRefusal)[];
  'last_seq'?: (number | string | Long);
}

export interface Ack__Output {
  'seq': (number);
  'code': (number);
  'message': (string);
  'duplicate': (boolean);
  'retry_after_ms': (number);
  'refused': (_powerprof_v1_RecordRefusal__Output)[];
  'last_seq': (number);
}
