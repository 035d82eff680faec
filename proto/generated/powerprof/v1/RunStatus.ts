// Original file: proto/powerprof/v1/ingest.proto

export const RunStatus = {
  RUN_STATUS_UNSPECIFIED: 'RUN_STATUS_UNSPECIFIED',
  RUN_STATUS_OK: 'RUN_STATUS_OK',
  RUN_STATUS_FAILED: 'RUN_STATUS_FAILED',
  RUN_STATUS_KILLED: 'RUN_STATUS_KILLED',
  RUN_STATUS_TIMED_OUT: 'RUN_STATUS_TIMED_OUT',
  RUN_STATUS_INTERRUPTED: 'RUN_STATUS_INTERRUPTED',
  RUN_STATUS_ERROR: 'RUN_STATUS_ERROR',
} as const;

export type RunStatus =
  | 'RUN_STATUS_UNSPECIFIED'
  | 0
  | 'RUN_STATUS_OK'
  | 1
  | 'RUN_STATUS_FAILED'
  | 2
  | 'RUN_STATUS_KILLED'
  | 3
  | 'RUN_STATUS_TIMED_OUT'
  | 4
  | 'RUN_STATUS_INTERRUPTED'
  | 5
  | 'RUN_STATUS_ERROR'
  | 6

export type RunStatus__Output = typeof RunStatus[keyof typeof RunStatus]
