// Original file: proto/powerprof/v1/ingest.proto

export const JobState = {
  JOB_STATE_UNSPECIFIED: 'JOB_STATE_UNSPECIFIED',
  JOB_STATE_ACCEPTED: 'JOB_STATE_ACCEPTED',
  JOB_STATE_REFUSED: 'JOB_STATE_REFUSED',
  JOB_STATE_RUNNING: 'JOB_STATE_RUNNING',
  JOB_STATE_DONE: 'JOB_STATE_DONE',
  JOB_STATE_FAILED: 'JOB_STATE_FAILED',
} as const;

export type JobState =
  | 'JOB_STATE_UNSPECIFIED'
  | 0
  | 'JOB_STATE_ACCEPTED'
  | 1
  | 'JOB_STATE_REFUSED'
  | 2
  | 'JOB_STATE_RUNNING'
  | 3
  | 'JOB_STATE_DONE'
  | 4
  | 'JOB_STATE_FAILED'
  | 5

export type JobState__Output = typeof JobState[keyof typeof JobState]
