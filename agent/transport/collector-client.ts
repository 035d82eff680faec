import * as grpc from '@grpc/grpc-js';
import { encodeBatch, type EncodedBatch } from '../../proto/encoded-batch.js';
import { messageCodec } from '../../proto/message-codec.js';
import type { Ack, HelloReply, Job, NodeInfo } from '../../proto/records.js';
import type { JobsRequest } from '../../proto/generated/powerprof/v1/JobsRequest.js';
import type { ChannelSecurity } from './channel-security.js';

/** The Ingest service's methods as gRPC names them (ingest.proto; collector-client.test.ts checks them against the loader's). */
export const INGEST_METHOD_PATHS = {
  Hello: '/powerprof.v1.Ingest/Hello',
  Jobs: '/powerprof.v1.Ingest/Jobs',
  Push: '/powerprof.v1.Ingest/Push',
} as const;

/**
 * The agent's one connection to the collector, with its credentials and
 * token on every call: Hello, the Push stream of batches, and the daemon's
 * Jobs stream all share it.
 */
export interface CollectorClient {
  readonly address: string;
  hello(nodeInfo: NodeInfo, timeoutMs: number): Promise<HelloReply>;
  /** The Push stream; its batches go out as the spool keeps their records (encoded-batch.ts). */
  push(): grpc.ClientDuplexStream<EncodedBatch, Ack>;
  jobs(nodeId: string, workloads: string[]): grpc.ClientReadableStream<Job>;
  /** Idempotent. */
  close(): void;
}

/** A plain gRPC client with the methods' own codecs: no .proto loader at start-up. */
export function collectorClient(address: string, security: ChannelSecurity): CollectorClient {
  const client = new grpc.Client(address, security.credentials, security.channelOptions);
  const nodeInfo = messageCodec<NodeInfo, unknown>('NodeInfo');
  const helloReply = messageCodec<object, HelloReply>('HelloReply');
  const jobsRequest = messageCodec<JobsRequest, unknown>('JobsRequest');
  const job = messageCodec<object, Job>('Job');
  const ack = messageCodec<object, Ack>('Ack');
  let closed = false;
  return {
    address,
    hello: (info, timeoutMs) =>
      new Promise((resolve, reject) => {
        const options = { deadline: new Date(Date.now() + timeoutMs) };
        client.makeUnaryRequest(INGEST_METHOD_PATHS.Hello, nodeInfo.serialize, helloReply.deserialize, info, security.metadata(), options, (error, reply) => {
          if (error !== null || reply === undefined) reject(error ?? new Error('empty Hello reply'));
          else resolve(reply);
        });
      }),
    push: () => client.makeBidiStreamRequest(INGEST_METHOD_PATHS.Push, encodeBatch, ack.deserialize, security.metadata()),
    jobs: (nodeId, workloads) =>
      client.makeServerStreamRequest(INGEST_METHOD_PATHS.Jobs, jobsRequest.serialize, job.deserialize, { node_id: nodeId, workloads }, security.metadata()),
    close: () => {
      if (closed) return;
      closed = true;
      client.close();
    },
  };
}
