// Original file: proto/powerprof/v1/ingest.proto

import type { JobState as _powerprof_v1_JobState, JobState__Output as _powerprof_v1_JobState__Output } from '../../powerprof/v1/JobState';
import type { Long } from '@grpc/proto-loader';

export interface JobStatus {
  'job_id'?: (string);
  'state'?: (_powerprof_v1_JobState);
  'message'?: (string);
  'runs'?: (number);
  'time_unix_ms'?: (number | string | Long);
}

export interface JobStatus__Output {
  'job_id': (string);
  'state': (_powerprof_v1_JobState__Output);
  'message': (string);
  'runs': (number);
  'time_unix_ms': (number);
}
