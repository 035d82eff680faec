import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { Ack, Batch, HelloReply, NodeInfo } from '../../proto/records.js';
import { validateBatch, validateNodeInfo, type BatchLimits } from '../../proto/validate-batch.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import type { RecordStore } from '../queue/record-store.js';

export interface IngestDependencies {
  proto: IngestPackage;
  store: RecordStore;
  metrics: CollectorMetrics;
  logger: Logger;
  limits: BatchLimits;
  collectorVersion: string;
}

/**
 * The Ingest service: Hello and Push. Batches of one stream are handled one
 * after another, in order, and each gets exactly one ack, written only after
 * Redis has the batch. An invalid batch is answered INVALID_ARGUMENT on its
 * ack and the stream goes on; when Redis fails, the stream ends UNAVAILABLE
 * and nothing unwritten is acked.
 */
export interface IngestService {
  /** Ends every open Push stream once its in-flight batches are acked (UNAVAILABLE: agents retry elsewhere). */
  drain(): Promise<void>;
}

export function addIngestService(server: grpc.Server, deps: IngestDependencies): IngestService {
  const streams = new Set<PushStream>();
  server.addService(deps.proto.Ingest.service, {
    Hello: (call: grpc.ServerUnaryCall<NodeInfo, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) => {
      void hello(call.request, deps).then(
        (reply) => callback(null, reply),
        (error: grpc.ServiceError) => callback(error),
      );
    },
    Push: (call: grpc.ServerDuplexStream<Batch, Ack>) => {
      const stream = push(call, deps);
      streams.add(stream);
      call.once('close', () => streams.delete(stream));
    },
  });
  return { drain: async () => void (await Promise.all([...streams].map((stream) => stream.drain()))) };
}

async function hello(info: NodeInfo, deps: IngestDependencies): Promise<HelloReply> {
  const problem = validateNodeInfo(info);
  if (problem !== undefined) {
    deps.metrics.rejected('bad_hello');
    throw statusError(grpc.status.INVALID_ARGUMENT, `Hello: ${problem}`);
  }
  let lastSeq: number;
  try {
    lastSeq = await deps.store.lastSeq(info.node_id);
  } catch (error) {
    throw storageError(error, deps.logger);
  }
  deps.metrics.seen(info.node_id);
  deps.logger.info({ node: info.node_id, arch: info.arch, agentVersion: info.agent_version, lastSeq }, 'agent said hello');
  return { collector_version: deps.collectorVersion, last_seq: lastSeq };
}

interface PushStream {
  drain(): Promise<void>;
}

function push(call: grpc.ServerDuplexStream<Batch, Ack>, deps: IngestDependencies): PushStream {
  let chain = Promise.resolve();
  let failed = false;
  call.on('data', (batch: Batch) => {
    chain = chain.then(async () => {
      if (failed) return;
      const ack = await handleBatch(batch, deps).catch((error: unknown) => {
        failed = true;
        call.emit('error', storageError(error, deps.logger));
        return undefined;
      });
      if (ack !== undefined) call.write(ack);
    });
  });
  call.on('end', () => {
    void chain.then(() => {
      if (!failed) call.end();
    });
  });
  return {
    drain: async () => {
      await chain;
      if (failed) return;
      failed = true;
      call.emit('error', statusError(grpc.status.UNAVAILABLE, 'collector is shutting down, retry later'));
    },
  };
}

async function handleBatch(batch: Batch, deps: IngestDependencies): Promise<Ack> {
  const validation = validateBatch(batch, deps.limits);
  if (!validation.ok) {
    deps.metrics.rejected(validation.reason);
    deps.logger.warn({ node: batch.node_id, seq: batch.seq, reason: validation.reason, err: validation.message }, 'batch refused');
    return { seq: batch.seq, code: grpc.status.INVALID_ARGUMENT, message: validation.message, duplicate: false };
  }
  const result = await deps.store.append(batch.node_id, batch.seq, batch.records, { produced: batch.produced_records, dropped: batch.dropped_records });
  deps.metrics.seen(batch.node_id);
  if (result.applied) deps.metrics.recordsWritten(batch.node_id, batch.records.slice(result.skipped), result.trimmed);
  else deps.metrics.duplicate();
  deps.metrics.completeness(batch.node_id, result.completeness);
  return { seq: batch.seq, code: grpc.status.OK, message: '', duplicate: !result.applied };
}

function storageError(error: unknown, logger: Logger): grpc.ServiceError {
  logger.error({ err: error }, 'Redis write failed; refusing batches until it is back');
  const reason = error instanceof Error ? error.message : String(error);
  return statusError(grpc.status.UNAVAILABLE, `storage unavailable, retry later: ${reason}`);
}

function statusError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}
