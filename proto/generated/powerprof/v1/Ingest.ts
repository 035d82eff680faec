// Original file: proto/powerprof/v1/ingest.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Ack as _powerprof_v1_Ack, Ack__Output as _powerprof_v1_Ack__Output } from '../../powerprof/v1/Ack';
import type { Batch as _powerprof_v1_Batch, Batch__Output as _powerprof_v1_Batch__Output } from '../../powerprof/v1/Batch';
import type { HelloReply as _powerprof_v1_HelloReply, HelloReply__Output as _powerprof_v1_HelloReply__Output } from '../../powerprof/v1/HelloReply';
import type { Job as _powerprof_v1_Job, Job__Output as _powerprof_v1_Job__Output } from '../../powerprof/v1/Job';
import type { JobsRequest as _powerprof_v1_JobsRequest, JobsRequest__Output as _powerprof_v1_JobsRequest__Output } from '../../powerprof/v1/JobsRequest';
import type { NodeInfo as _powerprof_v1_NodeInfo, NodeInfo__Output as _powerprof_v1_NodeInfo__Output } from '../../powerprof/v1/NodeInfo';

export interface IngestClient extends grpc.Client {
  Hello(argument: _powerprof_v1_NodeInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  Hello(argument: _powerprof_v1_NodeInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  Hello(argument: _powerprof_v1_NodeInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  Hello(argument: _powerprof_v1_NodeInfo, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _powerprof_v1_NodeInfo, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _powerprof_v1_NodeInfo, metadata: grpc.Metadata, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _powerprof_v1_NodeInfo, options: grpc.CallOptions, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _powerprof_v1_NodeInfo, callback: grpc.requestCallback<_powerprof_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  
  Jobs(argument: _powerprof_v1_JobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_powerprof_v1_Job__Output>;
  Jobs(argument: _powerprof_v1_JobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_powerprof_v1_Job__Output>;
  jobs(argument: _powerprof_v1_JobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_powerprof_v1_Job__Output>;
  jobs(argument: _powerprof_v1_JobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_powerprof_v1_Job__Output>;
  
  Push(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_powerprof_v1_Batch, _powerprof_v1_Ack__Output>;
  Push(options?: grpc.CallOptions): grpc.ClientDuplexStream<_powerprof_v1_Batch, _powerprof_v1_Ack__Output>;
  push(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_powerprof_v1_Batch, _powerprof_v1_Ack__Output>;
  push(options?: grpc.CallOptions): grpc.ClientDuplexStream<_powerprof_v1_Batch, _powerprof_v1_Ack__Output>;
  
}

export interface IngestHandlers extends grpc.UntypedServiceImplementation {
  Hello: grpc.handleUnaryCall<_powerprof_v1_NodeInfo__Output, _powerprof_v1_HelloReply>;
  
  Jobs: grpc.handleServerStreamingCall<_powerprof_v1_JobsRequest__Output, _powerprof_v1_Job>;
  
  Push: grpc.handleBidiStreamingCall<_powerprof_v1_Batch__Output, _powerprof_v1_Ack>;
  
}

export interface IngestDefinition extends grpc.ServiceDefinition {
  Hello: MethodDefinition<_powerprof_v1_NodeInfo, _powerprof_v1_HelloReply, _powerprof_v1_NodeInfo__Output, _powerprof_v1_HelloReply__Output>
  Jobs: MethodDefinition<_powerprof_v1_JobsRequest, _powerprof_v1_Job, _powerprof_v1_JobsRequest__Output, _powerprof_v1_Job__Output>
  Push: MethodDefinition<_powerprof_v1_Batch, _powerprof_v1_Ack, _powerprof_v1_Batch__Output, _powerprof_v1_Ack__Output>
}
