/**
 * The record types both sides handle, as the loader delivers them (every
 * field present, enums as strings, 64-bit integers as numbers).
 */
export type { NodeInfo__Output as NodeInfo } from './generated/powerprof/v1/NodeInfo.js';
export type { HelloReply__Output as HelloReply } from './generated/powerprof/v1/HelloReply.js';
export type { RunRecord__Output as RunRecord } from './generated/powerprof/v1/RunRecord.js';
export type { CounterValue__Output as CounterValue } from './generated/powerprof/v1/CounterValue.js';
export type { PowerSample__Output as PowerSample } from './generated/powerprof/v1/PowerSample.js';
export type { PowerSourceStatus__Output as PowerSourceStatus } from './generated/powerprof/v1/PowerSourceStatus.js';
export type { SourceEnergy__Output as SourceEnergy } from './generated/powerprof/v1/SourceEnergy.js';
export type { CounterInterval__Output as CounterInterval } from './generated/powerprof/v1/CounterInterval.js';
export type { Record__Output as Record } from './generated/powerprof/v1/Record.js';
export type { Batch__Output as Batch } from './generated/powerprof/v1/Batch.js';
export type { Ack__Output as Ack } from './generated/powerprof/v1/Ack.js';
export type { NodeFingerprint__Output as NodeFingerprint } from './generated/powerprof/v1/NodeFingerprint.js';
export type { CounterStatus__Output as CounterStatus } from './generated/powerprof/v1/CounterStatus.js';
export type { RunStatus__Output as RunStatus } from './generated/powerprof/v1/RunStatus.js';
export type { Job__Output as Job } from './generated/powerprof/v1/Job.js';
export type { JobStatus__Output as JobStatus } from './generated/powerprof/v1/JobStatus.js';
export type { JobsRequest__Output as JobsRequest } from './generated/powerprof/v1/JobsRequest.js';
export type { RecordRefusal__Output as RecordRefusal } from './generated/powerprof/v1/RecordRefusal.js';

import type { Record__Output } from './generated/powerprof/v1/Record.js';
/** Which record a Record holds: the name of its oneof member. */
export type RecordKind = NonNullable<Record__Output['kind']>;

/**
 * Per node, since its agent's spool was created: produced, dropped and
 * refused by the agent's own check as the agent reports; written and
 * refused by the collector's rules as counted here.
 */
export interface Completeness {
  produced: number;
  written: number;
  dropped: number;
  refused: number;
  agentRefused: number;
}
