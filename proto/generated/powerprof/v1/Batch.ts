// Original file: proto/powerprof/v1/ingest.proto

import type { Record as _powerprof_v1_Record, Record__Output as _powerprof_v1_Record__Output } from '../../powerprof/v1/Record';
import type { Long } from '@grpc/proto-loader';

export interface Batch {
  'node_id'?: (string);
  'seq'?: (number | string | Long);
  'records'?: (_powerprof_v1_Record)[];
  'produced_records'?: (number | string | Long);
  'dropped_records'?: (number | string | Long);
  'spool_epoch'?: (number | string | Long);
  'refused_records'?: (number | string | Long);
}

export interface Batch__Output {
  'node_id': (string);
  'seq': (number);
  'records': (_powerprof_v1_Record__Output)[];
  'produced_records': (number);
  'dropped_records': (number);
  'spool_epoch': (number);
  'refused_records': (number);
}
