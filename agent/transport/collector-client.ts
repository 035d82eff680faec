import type * as grpc from '@grpc/grpc-js';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import { encodeBatch, type EncodedBatch } from '../../proto/encoded-batch.js';
import type { Ack, HelloReply, Job, NodeInfo } from '../../proto/records.js';
import type { ChannelSecurity } from './channel-security.js';

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

export function collectorClient(address: string, security: ChannelSecurity, proto: IngestPackage): CollectorClient {
  const client = new proto.Ingest(address, security.credentials, security.channelOptions);
  const pushMethod = proto.Ingest.service.Push;
  let closed = false;
  return {
    address,
    hello: (nodeInfo, timeoutMs) =>
      new Promise((resolve, reject) => {
        client.Hello(nodeInfo, security.metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (error, reply) => {
          if (error !== null || reply === undefined) reject(error ?? new Error('empty Hello reply'));
          else resolve(reply);
        });
      }),
    push: () => client.makeBidiStreamRequest(pushMethod.path, encodeBatch, pushMethod.responseDeserialize as (bytes: Buffer) => Ack, security.metadata()),
    jobs: (nodeId, workloads) => client.Jobs({ node_id: nodeId, workloads }, security.metadata()),
    close: () => {
      if (closed) return;
      closed = true;
      client.close();
    },
  };
}
