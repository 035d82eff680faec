import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { Ack, HelloReply, Job, JobsRequest } from '../../proto/records.js';
import { identifyCaller, type AccessPolicy, type Caller } from '../auth/caller-identity.js';
import type { JobBoard } from '../jobs/job-board.js';
import type { JobStore } from '../jobs/job-store.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import type { RecordStore } from '../queue/record-store.js';
import { decodeBatchEnvelope, readNodeInfo, readRecords, type IncomingBatch, type RecordRefusal } from '../wire/incoming-batch.js';
import type { BatchLimits } from '../../proto/record-rules.js';
import { loadRecordSchema, type RecordSchema } from '../../proto/record-transcoder.js';
import type { IngestLoad } from './ingest-load.js';
import type { NodeRateLimiter } from './node-rate-limiter.js';

export interface IngestDependencies {
  proto: IngestPackage;
  store: RecordStore;
  metrics: CollectorMetrics;
  logger: Logger;
  limits: BatchLimits;
  /** A batch larger than this on the wire is refused; agents learn it from Hello. */
  maxBatchBytes: number;
  access: AccessPolicy;
  rateLimiter: NodeRateLimiter;
  /** What all streams may hold unwritten: records (then batches are refused for a while) and bytes (then every stream is paused). */
  load: IngestLoad;
  /** Stored JSON bytes per second per node: bounds how fast one node grows Redis. */
  byteRateLimiter: NodeRateLimiter;
  jobBoard: JobBoard;
  jobStore: JobStore;
  collectorVersion: string;
}

/** What one stream may have waiting before it is paused: HTTP/2 flow control then holds the sender. */
const MAX_WAITING_BATCHES_PER_STREAM = 8;
const MAX_WAITING_RECORDS_PER_STREAM = 2_000;
// An agent's 8 batches in flight, at most 1 MiB each; a sender of larger ones waits sooner.
const MAX_WAITING_BYTES_PER_STREAM = 8 * 1024 * 1024;
/** What an overloaded collector asks agents to wait. */
const OVERLOAD_RETRY_MS = 1_000;

/**
 * The Ingest service: Hello and Push. Batches of one stream are handled one
 * after another, in order, and each gets exactly one ack, written only after
 * Redis has the batch's valid records; the ack lists the records refused
 * (index, seq, reason), each counted. A batch refused whole is answered on
 * its ack (a sentence, and INVALID_ARGUMENT, or RESOURCE_EXHAUSTED with a
 * wait) and counted by reason, and the stream goes on. A caller who may not write as the batch's
 * node gets PERMISSION_DENIED and the stream ends; when Redis fails, the
 * stream ends UNAVAILABLE. Nothing unwritten is acked.
 */
export interface IngestService {
  /** Ends every open Push stream once its in-flight batches are acked (UNAVAILABLE: agents retry elsewhere). */
  drain(): Promise<void>;
}

/** What Hello's deserializer hands on: the node's description, or what is wrong with it. */
type HelloRequest = ReturnType<typeof readNodeInfo>;

export function addIngestService(server: grpc.Server, deps: IngestDependencies): IngestService {
  const streams = new Set<PushStream>();
  const { load } = deps;
  deps.metrics.trackInflight(
    () => load.records,
    () => load.bytes,
  );
  const schema = loadRecordSchema();
  const definition = deps.proto.Ingest.service;
  // Push and Hello are read straight off the wire (incoming-batch.ts): Push records become their stored JSON without objects in between.
  const service: grpc.ServiceDefinition = {
    ...definition,
    Push: { ...definition.Push, requestDeserialize: decodeBatchEnvelope },
    Hello: { ...definition.Hello, requestDeserialize: (bytes: Buffer): HelloRequest => readNodeInfo(bytes, schema, deps.limits) },
  };
  server.addService(service, {
    Hello: (call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) => {
      void hello(call, deps).then(
        (reply) => callback(null, reply),
        (error: grpc.ServiceError) => callback(error),
      );
    },
    Push: (call: grpc.ServerDuplexStream<IncomingBatch, Ack>) => {
      const stream = openPush(call, deps, load, schema);
      streams.add(stream);
      call.once('close', () => streams.delete(stream));
    },
    Jobs: (call: grpc.ServerWritableStream<JobsRequest, Job>) => {
      const caller = identifyCaller(call, deps.access);
      const denied = caller.ok ? caller.mayWriteAs(call.request.node_id) : undefined;
      if (!caller.ok || denied !== undefined) {
        const error = caller.ok
          ? refusal(deps, 'permission_denied', grpc.status.PERMISSION_DENIED, `Jobs: ${denied}`)
          : refusal(deps, caller.reason, caller.code, `Jobs: ${caller.message}`);
        call.emit('error', error);
        return;
      }
      deps.jobBoard.connect(call.request.node_id, call);
      deps.logger.info({ node: call.request.node_id, workloads: call.request.workloads }, 'agent waits for jobs');
    },
  });
  return { drain: async () => void (await Promise.all([...streams].map((stream) => stream.drain()))) };
}

async function hello(call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, deps: IngestDependencies): Promise<HelloReply> {
  const caller = identifyCaller(call, deps.access);
  if (!caller.ok) throw refusal(deps, caller.reason, caller.code, `Hello: ${caller.message}`);
  const request = call.request;
  if (!request.ok) throw refusal(deps, 'bad_hello', grpc.status.INVALID_ARGUMENT, `Hello: ${request.message}`);
  const info = request.info;
  const denied = caller.mayWriteAs(info.node_id);
  if (denied !== undefined) throw refusal(deps, 'permission_denied', grpc.status.PERMISSION_DENIED, `Hello: ${denied}`);
  let lastSeq: number;
  try {
    lastSeq = await deps.store.lastSeq(info.node_id, info.spool_epoch);
  } catch (error) {
    throw storageError(error, deps.logger);
  }
  deps.metrics.seen(info.node_id);
  deps.logger.info({ node: info.node_id, arch: info.arch, agentVersion: info.agent_version, epoch: info.spool_epoch, lastSeq }, 'agent said hello');
  return {
    collector_version: deps.collectorVersion,
    last_seq: lastSeq,
    max_batch_bytes: deps.maxBatchBytes,
    max_records_per_batch: deps.limits.maxRecordsPerBatch,
  };
}

interface PushStream {
  drain(): Promise<void>;
}

/**
 * Backpressure, so that memory stays bounded when Redis is slower than the
 * agents: a stream with too many batches waiting is paused (gRPC flow
 * control holds the sender); while the collector as a whole holds too many
 * unwritten bytes, every stream is paused; and while it holds too many
 * unwritten records, new batches are answered RESOURCE_EXHAUSTED with a
 * wait instead of being queued (ingest-load.ts).
 */
function openPush(call: grpc.ServerDuplexStream<IncomingBatch, Ack>, deps: IngestDependencies, load: IngestLoad, schema: RecordSchema): PushStream {
  let chain = Promise.resolve();
  let failed = false;
  const fail = (error: grpc.ServiceError): void => {
    if (failed) return;
    failed = true;
    call.emit('error', error);
  };
  const caller = identifyCaller(call, deps.access);
  if (!caller.ok) fail(refusal(deps, caller.reason, caller.code, caller.message));
  // On one stream a node's seqs only grow; a lower one is not a retry but a broken or hostile sender.
  const previous = new Map<string, number>();
  const waiting = { batches: 0, records: 0, bytes: 0 };
  load.register(call);
  call.once('close', () => load.unregister(call));
  call.on('data', (batch: IncomingBatch) => {
    const overloaded = load.overloaded;
    const records = overloaded ? 0 : batch.recordCount;
    load.add(records, batch.wireBytes);
    waiting.batches++;
    waiting.records += batch.recordCount;
    waiting.bytes += batch.wireBytes;
    if (waiting.batches >= MAX_WAITING_BATCHES_PER_STREAM || waiting.records >= MAX_WAITING_RECORDS_PER_STREAM || waiting.bytes >= MAX_WAITING_BYTES_PER_STREAM)
      load.holdOwn(call, true);
    chain = chain.then(async () => {
      try {
        if (failed || !caller.ok) return;
        const ack = overloaded
          ? overload(batch, deps)
          : await handleBatch(batch, caller, previous, deps, schema).catch((error: unknown) => {
              fail(error instanceof StreamRefusal ? error.status : storageError(error, deps.logger));
              return undefined;
            });
        if (ack !== undefined) call.write(ack);
      } finally {
        load.remove(records, batch.wireBytes);
        waiting.batches--;
        waiting.records -= batch.recordCount;
        waiting.bytes -= batch.wireBytes;
        const drained =
          waiting.batches <= MAX_WAITING_BATCHES_PER_STREAM / 2 &&
          waiting.records <= MAX_WAITING_RECORDS_PER_STREAM / 2 &&
          waiting.bytes <= MAX_WAITING_BYTES_PER_STREAM / 2;
        if (drained) load.holdOwn(call, false);
      }
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
      fail(statusError(grpc.status.UNAVAILABLE, 'collector is shutting down, retry later'));
    },
  };
}

async function handleBatch(
  batch: IncomingBatch,
  caller: Extract<Caller, { ok: true }>,
  previous: Map<string, number>,
  deps: IngestDependencies,
  schema: RecordSchema,
): Promise<Ack> {
  const refuse = (reason: string, code: grpc.status, message: string, retryAfterMs = 0): Ack => {
    deps.metrics.rejected(reason);
    deps.logger.warn({ node: batch.node_id, seq: batch.seq, reason, err: message }, 'batch refused');
    return { seq: batch.seq, code, message, duplicate: false, retry_after_ms: retryAfterMs, refused: [], last_seq: 0 };
  };
  if (batch.malformed !== undefined)
    return refuse('invalid_record', grpc.status.INVALID_ARGUMENT, `batch ${batch.seq}: is not a valid protobuf Batch (${batch.malformed})`);
  const denied = caller.mayWriteAs(batch.node_id);
  if (denied !== undefined)
    throw new StreamRefusal(refusal(deps, 'permission_denied', grpc.status.PERMISSION_DENIED, `batch ${batch.seq}: ${denied}; nothing written`));
  if (batch.wireBytes > deps.maxBatchBytes) {
    return refuse(
      'too_large',
      grpc.status.INVALID_ARGUMENT,
      `batch ${batch.seq}: ${batch.wireBytes} bytes, more than the collector's limit of ${deps.maxBatchBytes} (--max-message-bytes)`,
    );
  }
  const waitMs = deps.rateLimiter.take(batch.node_id, batch.recordCount);
  if (waitMs > 0) {
    return refuse(
      'rate_limited',
      grpc.status.RESOURCE_EXHAUSTED,
      `batch ${batch.seq}: node "${batch.node_id}" is over its rate limit (--node-rate-limit); send again in ${waitMs} ms`,
      waitMs,
    );
  }
  const read = readRecords(batch, schema, deps.limits);
  if (!read.ok) return refuse(read.reason, grpc.status.INVALID_ARGUMENT, read.message);
  const { records, refused } = read;
  const previousKey = `${batch.node_id}\u0000${batch.spool_epoch}`;
  const before = previous.get(previousKey) ?? 0;
  if (batch.seq <= before) {
    return refuse(
      'seq_regression',
      grpc.status.INVALID_ARGUMENT,
      `batch ${batch.seq}: seq is not above node "${batch.node_id}"'s previous batch on this stream (${before})`,
    );
  }
  previous.set(previousKey, batch.seq);
  const packed = read.pack.finish();
  const storedWaitMs = deps.byteRateLimiter.take(batch.node_id, packed.length);
  if (storedWaitMs > 0) {
    previous.set(previousKey, before); // not taken: the same batch comes again
    return refuse(
      'rate_limited',
      grpc.status.RESOURCE_EXHAUSTED,
      `batch ${batch.seq}: node "${batch.node_id}" is over its rate of stored bytes (--node-byte-rate-limit); send again in ${storedWaitMs} ms`,
      storedWaitMs,
    );
  }
  reportRefusals(batch, refused, deps);

  // The JSON being written is memory too: counted while it is.
  deps.load.add(0, packed.length);
  const result = await deps.store
    .append(batch.node_id, read.pack, {
      epoch: batch.spool_epoch,
      batchSeq: batch.seq,
      refused: refused.length,
      produced: batch.produced_records,
      dropped: batch.dropped_records,
      agentRefused: batch.refused_records,
    })
    .finally(() => deps.load.remove(0, packed.length));
  deps.metrics.seen(batch.node_id);
  const written = records.slice(result.skipped);
  for (const record of written) {
    if (record.kind !== 'job_status' || (await deps.jobStore.recordStatus(batch.node_id, record.job_status!))) continue;
    deps.logger.warn({ node: batch.node_id, job: record.job_status!.job_id }, 'job status for a job never sent to this node: kept in its stream only');
  }
  if (result.written > 0) deps.metrics.recordsWritten(batch.node_id, written, result.trimmed);
  if (result.retry) deps.metrics.duplicate();
  deps.metrics.completeness(batch.node_id, result.completeness);
  return {
    seq: batch.seq,
    code: grpc.status.OK,
    message:
      refused.length === 0
        ? ''
        : `batch ${batch.seq}: ${refused.length} of ${batch.recordCount} records refused, the others stored; first: ${refused[0]!.message}`,
    duplicate: result.retry,
    retry_after_ms: 0,
    refused: refused.map(({ index, seq, reason, message }) => ({ index, seq, reason, message })),
    last_seq: result.lastSeq,
  };
}

/** Each refused record counted by its reason; one log line a batch, an error where the collector itself failed to read one. */
function reportRefusals(batch: IncomingBatch, refused: readonly RecordRefusal[], deps: IngestDependencies): void {
  if (refused.length === 0) return;
  for (const refusal of refused) deps.metrics.rejected(refusal.reason);
  const internal = refused.find((refusal) => refusal.internal === true);
  if (internal !== undefined)
    deps.logger.error({ node: batch.node_id, seq: batch.seq, err: internal.message }, 'could not read a record (a collector defect); refused it');
  deps.logger.warn(
    { node: batch.node_id, seq: batch.seq, refused: refused.length, records: batch.recordCount, reason: refused[0]!.reason, err: refused[0]!.message },
    'records refused; their neighbours stored',
  );
}

function overload(batch: IncomingBatch, deps: IngestDependencies): Ack {
  deps.metrics.rejected('overloaded');
  const message = `batch ${batch.seq}: the collector holds more than ${deps.load.maxRecords} unwritten records (Redis is slower than the agents); send again in ${OVERLOAD_RETRY_MS} ms`;
  return { seq: batch.seq, code: grpc.status.RESOURCE_EXHAUSTED, message, duplicate: false, retry_after_ms: OVERLOAD_RETRY_MS, refused: [], last_seq: 0 };
}

/** A refusal that ends the stream, not just the batch. */
class StreamRefusal extends Error {
  constructor(readonly status: grpc.ServiceError) {
    super(status.details);
  }
}

function refusal(deps: IngestDependencies, reason: string, code: grpc.status, message: string): grpc.ServiceError {
  deps.metrics.rejected(reason);
  deps.logger.warn({ reason, err: message }, 'refused');
  return statusError(code, message);
}

function storageError(error: unknown, logger: Logger): grpc.ServiceError {
  logger.error({ err: error }, 'Redis write failed; refusing batches until it is back');
  const reason = error instanceof Error ? error.message : String(error);
  return statusError(grpc.status.UNAVAILABLE, `storage unavailable, retry later: ${reason}`);
}

function statusError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}
