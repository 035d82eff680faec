import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _powerprof_v1_Ack, Ack__Output as _powerprof_v1_Ack__Output } from './powerprof/v1/Ack';
import type { Batch as _powerprof_v1_Batch, Batch__Output as _powerprof_v1_Batch__Output } from './powerprof/v1/Batch';
import type { CounterInterval as _powerprof_v1_CounterInterval, CounterInterval__Output as _powerprof_v1_CounterInterval__Output } from './powerprof/v1/CounterInterval';
import type { CounterValue as _powerprof_v1_CounterValue, CounterValue__Output as _powerprof_v1_CounterValue__Output } from './powerprof/v1/CounterValue';
import type { HelloReply as _powerprof_v1_HelloReply, HelloReply__Output as _powerprof_v1_HelloReply__Output } from './powerprof/v1/HelloReply';
import type { IngestClient as _powerprof_v1_IngestClient, IngestDefinition as _powerprof_v1_IngestDefinition } from './powerprof/v1/Ingest';
import type { Job as _powerprof_v1_Job, Job__Output as _powerprof_v1_Job__Output } from './powerprof/v1/Job';
import type { JobStatus as _powerprof_v1_JobStatus, JobStatus__Output as _powerprof_v1_JobStatus__Output } from './powerprof/v1/JobStatus';
import type { JobsRequest as _powerprof_v1_JobsRequest, JobsRequest__Output as _powerprof_v1_JobsRequest__Output } from './powerprof/v1/JobsRequest';
import type { NodeFingerprint as _powerprof_v1_NodeFingerprint, NodeFingerprint__Output as _powerprof_v1_NodeFingerprint__Output } from './powerprof/v1/NodeFingerprint';
import type { NodeInfo as _powerprof_v1_NodeInfo, NodeInfo__Output as _powerprof_v1_NodeInfo__Output } from './powerprof/v1/NodeInfo';
import type { PowerSample as _powerprof_v1_PowerSample, PowerSample__Output as _powerprof_v1_PowerSample__Output } from './powerprof/v1/PowerSample';
import type { PowerSourceStatus as _powerprof_v1_PowerSourceStatus, PowerSourceStatus__Output as _powerprof_v1_PowerSourceStatus__Output } from './powerprof/v1/PowerSourceStatus';
import type { Record as _powerprof_v1_Record, Record__Output as _powerprof_v1_Record__Output } from './powerprof/v1/Record';
import type { RecordRefusal as _powerprof_v1_RecordRefusal, RecordRefusal__Output as _powerprof_v1_RecordRefusal__Output } from './powerprof/v1/RecordRefusal';
import type { RunRecord as _powerprof_v1_RunRecord, RunRecord__Output as _powerprof_v1_RunRecord__Output } from './powerprof/v1/RunRecord';
import type { SourceEnergy as _powerprof_v1_SourceEnergy, SourceEnergy__Output as _powerprof_v1_SourceEnergy__Output } from './powerprof/v1/SourceEnergy';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  powerprof: {
    v1: {
      Ack: MessageTypeDefinition<_powerprof_v1_Ack, _powerprof_v1_Ack__Output>
      Batch: MessageTypeDefinition<_powerprof_v1_Batch, _powerprof_v1_Batch__Output>
      CounterInterval: MessageTypeDefinition<_powerprof_v1_CounterInterval, _powerprof_v1_CounterInterval__Output>
      CounterStatus: EnumTypeDefinition
      CounterValue: MessageTypeDefinition<_powerprof_v1_CounterValue, _powerprof_v1_CounterValue__Output>
      HelloReply: MessageTypeDefinition<_powerprof_v1_HelloReply, _powerprof_v1_HelloReply__Output>
      Ingest: SubtypeConstructor<typeof grpc.Client, _powerprof_v1_IngestClient> & { service: _powerprof_v1_IngestDefinition }
      Job: MessageTypeDefinition<_powerprof_v1_Job, _powerprof_v1_Job__Output>
      JobState: EnumTypeDefinition
      JobStatus: MessageTypeDefinition<_powerprof_v1_JobStatus, _powerprof_v1_JobStatus__Output>
      JobsRequest: MessageTypeDefinition<_powerprof_v1_JobsRequest, _powerprof_v1_JobsRequest__Output>
      NodeFingerprint: MessageTypeDefinition<_powerprof_v1_NodeFingerprint, _powerprof_v1_NodeFingerprint__Output>
      NodeInfo: MessageTypeDefinition<_powerprof_v1_NodeInfo, _powerprof_v1_NodeInfo__Output>
      PowerSample: MessageTypeDefinition<_powerprof_v1_PowerSample, _powerprof_v1_PowerSample__Output>
      PowerSourceStatus: MessageTypeDefinition<_powerprof_v1_PowerSourceStatus, _powerprof_v1_PowerSourceStatus__Output>
      Record: MessageTypeDefinition<_powerprof_v1_Record, _powerprof_v1_Record__Output>
      RecordRefusal: MessageTypeDefinition<_powerprof_v1_RecordRefusal, _powerprof_v1_RecordRefusal__Output>
      RunRecord: MessageTypeDefinition<_powerprof_v1_RunRecord, _powerprof_v1_RunRecord__Output>
      RunStatus: EnumTypeDefinition
      SourceEnergy: MessageTypeDefinition<_powerprof_v1_SourceEnergy, _powerprof_v1_SourceEnergy__Output>
    }
  }
}

