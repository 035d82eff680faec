// Original file: proto/powerprof/v1/ingest.proto

export const CounterStatus = {
  COUNTER_STATUS_UNSPECIFIED: 'COUNTER_STATUS_UNSPECIFIED',
  COUNTER_STATUS_COUNTED: 'COUNTER_STATUS_COUNTED',
  COUNTER_STATUS_NOT_COUNTED: 'COUNTER_STATUS_NOT_COUNTED',
  COUNTER_STATUS_NOT_SUPPORTED: 'COUNTER_STATUS_NOT_SUPPORTED',
} as const;

export type CounterStatus =
  | 'COUNTER_STATUS_UNSPECIFIED'
  | 0
  | 'COUNTER_STATUS_COUNTED'
  | 1
  | 'COUNTER_STATUS_NOT_COUNTED'
  | 2
  | 'COUNTER_STATUS_NOT_SUPPORTED'
  | 3

export type CounterStatus__Output = typeof CounterStatus[keyof typeof CounterStatus]
