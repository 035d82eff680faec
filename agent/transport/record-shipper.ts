import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { Ack, HelloReply, NodeInfo } from '../../proto/records.js';
import type { Batch as BatchInput } from '../../proto/generated/powerprof/v1/Batch.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import type { Spool } from '../spool/spool.js';
import type { ChannelSecurity } from './channel-security.js';

export interface ShipperOptions {
  address: string;
  nodeInfo: NodeInfo;
  proto: IngestPackage;
  logger: Logger;
  security: ChannelSecurity;
  spool: Spool;
  maxRecordsPerBatch: number;
  /** Spool bytes per batch; a single larger record still goes, alone. */
  maxBatchBytes: number;
  /** Batches on the wire at once, unacked. */
  maxBatchesInFlight: number;
  /** How long a record may wait for others to share its batch (fewer, fuller batches); 0: send at once. */
  lingerMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  helloTimeoutMs: number;
}

export interface ShipperStats {
  ackedRecords: number;
  /** Refused by the collector (one by one in an ack, or a whole batch INVALID_ARGUMENT): sending them again cannot succeed. */
  rejectedRecords: number;
  /** Batches the collector had already written (a retry after a lost ack). */
  duplicateBatches: number;
}

interface InFlight {
  seq: number;
  records: number;
}

/**
 * Ships the spool to the collector over one Push stream. Each batch takes
 * the seq of its last record and the spool's epoch; a record leaves the
 * spool only when its batch is acked (stored, or refused alone by the
 * record rules: sending it again cannot help). A lost stream is reopened
 * with capped exponential backoff and jitter; Hello then says which
 * records the collector already has, and sending starts again after them,
 * so a retry is never written twice. An ack whose mark is beyond anything
 * the spool numbered means someone else wrote in this epoch: the batch is
 * kept, and the spool starts a new epoch.
 */
export class RecordShipper {
  readonly stats: ShipperStats = { ackedRecords: 0, rejectedRecords: 0, duplicateBatches: 0 };
  private readonly client: IngestClient;
  private readonly spool: Spool;
  private inFlight: InFlight[] = [];
  private stream: grpc.ClientDuplexStream<BatchInput, Ack> | undefined;
  private connecting = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError = '';
  private drainWaiters: Array<() => void> = [];
  /** Batch bounds: ours, lowered to what the collector said it takes. */
  private maxRecords: number;
  private maxBytes: number;
  /** A wait the collector asked for (its rate limit), taken before the next reconnect. */
  private retryAfterMs = 0;
  private lastLoggedError = '';
  private lingerTimer: NodeJS.Timeout | undefined;
  private unsent = 0;

  constructor(private readonly options: ShipperOptions) {
    this.client = new options.proto.Ingest(options.address, options.security.credentials, options.security.channelOptions) as unknown as IngestClient;
    this.maxRecords = options.maxRecordsPerBatch;
    this.maxBytes = options.maxBatchBytes;
    this.spool = options.spool;
    this.spool.onAppend((records) => this.appended(records));
  }

  /** Connects and sends what the spool holds, and then whatever is appended. */
  start(): void {
    void this.connect();
  }

  get lastDeliveryError(): string {
    return this.lastError;
  }

  /** Waits until the spool has nothing unacked, or timeoutMs passes; true when it drained. */
  async flush(timeoutMs: number): Promise<boolean> {
    this.pump();
    if (this.spool.hasPending()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return !this.spool.hasPending();
  }

  /** Idempotent. Whatever is unacked stays in the spool for the next start. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.lingerTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.client.close();
    this.resolveDrained();
  }

  /** New records: a full batch goes now; fewer wait up to the linger for company. */
  private appended(records: number): void {
    this.unsent += records;
    if (this.unsent >= this.maxRecords || this.options.lingerMs === 0) this.pump();
    else this.lingerTimer ??= setTimeout(() => this.pump(), this.options.lingerMs);
  }

  private pump(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.unsent = 0;
    if (this.closed) return;
    if (this.stream === undefined) {
      if (this.spool.hasPending()) void this.connect();
      return;
    }
    while (this.inFlight.length < this.options.maxBatchesInFlight) {
      const records = this.spool.read(this.maxRecords, this.maxBytes);
      if (records.length === 0) return;
      const seq = records.at(-1)!.seq;
      this.stream.write({
        node_id: this.options.nodeInfo.node_id,
        seq,
        records,
        produced_records: this.spool.produced,
        dropped_records: this.spool.dropped,
        spool_epoch: this.spool.epoch,
        refused_records: this.spool.refused,
      });
      this.inFlight.push({ seq, records: records.length });
    }
  }

  private async connect(): Promise<void> {
    if (this.connecting || this.stream !== undefined || this.reconnectTimer !== undefined || this.closed) return;
    this.connecting = true;
    try {
      const reply = await this.hello();
      if (this.closed) return;
      this.fitBatchesTo(reply);
      this.spool.reconcile(reply.last_seq);
      this.openStream();
      this.failures = 0;
      this.options.logger.info({ collector: this.options.address, lastSeq: reply.last_seq }, 'connected to collector');
      this.lastLoggedError = '';
      this.resolveDrainedIfEmpty();
    } catch (error) {
      this.lastError = describe(error);
      this.logConnectFailure(error);
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
    this.pump();
  }

  private hello(): Promise<HelloReply> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.options.helloTimeoutMs);
      this.client.Hello({ ...this.options.nodeInfo, spool_epoch: this.spool.epoch }, this.options.security.metadata(), { deadline }, (error, reply) => {
        if (error !== null || reply === undefined) reject(error ?? new Error('empty Hello reply'));
        else resolve(reply);
      });
    });
  }

  private openStream(): void {
    const stream = this.client.Push(this.options.security.metadata());
    this.stream = stream;
    this.inFlight = [];
    stream.on('data', (ack: Ack) => this.onAck(stream, ack));
    stream.on('error', (error) => this.onStreamLost(stream, error));
    stream.on('end', () => this.onStreamLost(stream, new Error('collector closed the stream')));
  }

  private onAck(stream: grpc.ClientDuplexStream<BatchInput, Ack>, ack: Ack): void {
    if (this.stream !== stream) return;
    const head = this.inFlight[0];
    if (head === undefined || head.seq !== ack.seq) {
      this.options.logger.error({ ackSeq: ack.seq, expectedSeq: head?.seq }, 'collector acked an unexpected batch; reconnecting');
      this.loseStream(stream, new Error(`unexpected ack ${ack.seq}`));
      return;
    }
    if (ack.code === grpc.status.OK && ack.last_seq > this.spool.lastNumberedSeq) {
      // Not a mark this spool made: its records here would be taken for ones written before.
      this.options.logger.error({ seq: ack.seq, collectorLastSeq: ack.last_seq, spoolLastSeq: this.spool.lastNumberedSeq }, "the collector's mark for this spool's epoch is beyond anything it numbered; keeping the batch, starting a new epoch");
      this.spool.startNewEpoch(ack.last_seq);
      this.loseStream(stream, new Error(`collector mark ${ack.last_seq} beyond this spool's ${this.spool.lastNumberedSeq}`));
      return;
    }
    if (ack.code === grpc.status.OK) {
      const refused = ack.refused.length;
      this.stats.ackedRecords += head.records - refused;
      this.stats.rejectedRecords += refused;
      if (ack.duplicate) this.stats.duplicateBatches++;
      if (refused > 0) {
        this.options.logger.error({ seq: ack.seq, refused, records: head.records, first: ack.refused[0]!.message, reason: ack.refused[0]!.reason }, 'collector refused records of a batch by its rules; the others are stored');
      }
    } else if (ack.code === grpc.status.INVALID_ARGUMENT) {
      this.stats.rejectedRecords += head.records;
      this.options.logger.error({ seq: ack.seq, records: head.records, reason: ack.message }, 'collector refused a whole batch as invalid; its records are dropped');
    } else {
      // Refused for now (rate limit, storage trouble): keep the records and send them again later.
      if (ack.code === grpc.status.RESOURCE_EXHAUSTED) this.retryAfterMs = ack.retry_after_ms;
      this.options.logger.warn({ seq: ack.seq, code: grpc.status[ack.code] ?? ack.code, reason: ack.message }, 'collector refused a batch for now; will retry');
      this.loseStream(stream, new Error(`${grpc.status[ack.code] ?? ack.code}: ${ack.message}`));
      return;
    }
    this.inFlight.shift();
    this.spool.acknowledge(ack.seq);
    this.resolveDrainedIfEmpty();
    this.pump();
  }

  private onStreamLost(stream: grpc.ClientDuplexStream<BatchInput, Ack>, error: unknown): void {
    if (this.stream !== stream || this.closed) return;
    this.options.logger.warn({ collector: this.options.address, err: describe(error) }, 'lost the collector stream; will retry');
    this.loseStream(stream, error);
  }

  private loseStream(stream: grpc.ClientDuplexStream<BatchInput, Ack>, error: unknown): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.inFlight = [];
    this.lastError = describe(error);
    stream.cancel();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.failures, 30));
    const delayMs = Math.max(this.retryAfterMs, Math.round(ceiling * (0.5 + Math.random() / 2)));
    this.retryAfterMs = 0;
    this.failures++;
    this.options.logger.debug({ delayMs, err: this.lastError }, 'reconnecting to collector');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  /** The collector says how large a batch it takes; spool entries are about their wire size, with margin. */
  private fitBatchesTo(reply: HelloReply): void {
    this.maxRecords = reply.max_records_per_batch > 0 ? Math.min(this.options.maxRecordsPerBatch, reply.max_records_per_batch) : this.options.maxRecordsPerBatch;
    this.maxBytes = reply.max_batch_bytes > 0 ? Math.min(this.options.maxBatchBytes, Math.floor(reply.max_batch_bytes * 0.75)) : this.options.maxBatchBytes;
  }

  /**
   * A collector that is down is expected now and then (a warning, once per
   * distinct error); one that refuses who we are needs a person (an error).
   */
  private logConnectFailure(error: unknown): void {
    if (this.lastError === this.lastLoggedError) return;
    this.lastLoggedError = this.lastError;
    const code = (error as Partial<grpc.ServiceError>).code;
    const refused = code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED || code === grpc.status.INVALID_ARGUMENT;
    const message = refused ? 'the collector refuses this agent; records stay in the spool until that is fixed' : 'cannot reach the collector; records wait in the spool, retrying';
    if (refused) this.options.logger.error({ collector: this.options.address, err: this.lastError }, message);
    else this.options.logger.warn({ collector: this.options.address, err: this.lastError }, message);
  }

  private resolveDrainedIfEmpty(): void {
    if (!this.spool.hasPending()) this.resolveDrained();
  }

  private resolveDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && 'details' in error) {
    const { code, details } = error as grpc.ServiceError;
    return `${grpc.status[code] ?? code}: ${details}`;
  }
  return error instanceof Error ? error.message : String(error);
}
