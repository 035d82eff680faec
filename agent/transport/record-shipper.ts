import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { HelloReply, NodeInfo } from '../../proto/records.js';
import type { Spool } from '../spool/spool.js';
import { Backoff } from './backoff.js';
import type { BatchOutcome } from './batch-outcome.js';
import type { CollectorClient } from './collector-client.js';
import { isForeignMark, takeCollectorMark } from './collector-mark.js';
import { PushStream } from './push-stream.js';

export interface ShipperOptions {
  client: CollectorClient;
  nodeInfo: NodeInfo;
  logger: Logger;
  spool: Spool;
  maxRecordsPerBatch: number;
  /** Spool bytes per batch; a single larger record still goes, alone. */
  maxBatchBytes: number;
  /** Batches on the wire at once, unacked. */
  maxBatchesInFlight: number;
  /** How long a record may wait for others to share its batch (fewer, fuller batches); 0: send at once. */
  lingerMs: number;
  /** Records that make a batch worth sending without waiting out the linger. */
  batchTargetRecords: number;
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

/**
 * Ships the spool to the collector: batches of what the spool holds (a
 * record waits up to the linger for company), a window of batches in flight
 * on one Push stream (push-stream.ts: each send resolves with its outcome),
 * and, when the stream is lost, a reconnect after a backoff. Each batch
 * takes the seq of its last record and the spool's epoch; a record leaves
 * the spool only when its batch is stored (or refused by the record rules:
 * sending it again cannot help). Hello gives the collector's mark, so
 * sending resumes after what it has and a retry is never written twice
 * (collector-mark.ts).
 */
export class RecordShipper {
  readonly stats: ShipperStats = { ackedRecords: 0, rejectedRecords: 0, duplicateBatches: 0 };
  private readonly spool: Spool;
  private readonly backoff: Backoff;
  private stream: PushStream | undefined;
  private connecting = false;
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
    this.maxRecords = options.maxRecordsPerBatch;
    this.maxBytes = options.maxBatchBytes;
    this.backoff = new Backoff(options.backoffInitialMs, options.backoffMaxMs);
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

  /** Idempotent. Whatever is unacked stays in the spool for the next start. The client is its owner's to close. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.lingerTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.resolveDrained();
  }

  /** New records: a batch of the target size goes now; fewer wait up to the linger for company. */
  private appended(records: number): void {
    this.unsent += records;
    if (this.unsent >= Math.min(this.maxRecords, this.options.batchTargetRecords) || this.options.lingerMs === 0) this.pump();
    else this.lingerTimer ??= setTimeout(() => this.pump(), this.options.lingerMs);
  }

  /** Fills the window of batches in flight from the spool. */
  private pump(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.unsent = 0;
    if (this.closed) return;
    const stream = this.stream;
    if (stream === undefined) {
      if (this.spool.hasPending()) void this.connect();
      return;
    }
    while (stream.inFlight < this.options.maxBatchesInFlight) {
      const records = this.spool.readEncoded(this.maxRecords, this.maxBytes);
      if (records.length === 0) return;
      const seq = records.at(-1)!.seq;
      const sent = stream.send({
        node_id: this.options.nodeInfo.node_id,
        seq,
        records,
        produced_records: this.spool.produced,
        dropped_records: this.spool.dropped,
        spool_epoch: this.spool.epoch,
        refused_records: this.spool.refused,
      });
      sent.then(
        (outcome) => this.settled(stream, seq, records.length, outcome),
        () => undefined, // the stream was lost: onLost reconnects, and the spool sends these again
      );
    }
  }

  private settled(stream: PushStream, seq: number, records: number, outcome: BatchOutcome): void {
    if (this.stream !== stream) return;
    switch (outcome.kind) {
      case 'stored':
        if (isForeignMark(this.spool, outcome.lastSeq)) {
          // Not a mark this spool made: its records here would be taken for ones written before.
          this.options.logger.error(
            { seq, collectorLastSeq: outcome.lastSeq, spoolLastSeq: this.spool.lastNumberedSeq },
            "the collector's mark for this spool's epoch is beyond anything it numbered; keeping the batch, starting a new epoch",
          );
          this.spool.startNewEpoch(outcome.lastSeq);
          this.loseStream(stream, new Error(`collector mark ${outcome.lastSeq} beyond this spool's ${this.spool.lastNumberedSeq}`));
          return;
        }
        this.stats.ackedRecords += records - outcome.refused.length;
        this.stats.rejectedRecords += outcome.refused.length;
        if (outcome.duplicate) this.stats.duplicateBatches++;
        if (outcome.refused.length > 0) {
          const first = outcome.refused[0]!;
          this.options.logger.error(
            { seq, refused: outcome.refused.length, records, first: first.message, reason: first.reason },
            'collector refused records of a batch by its rules; the others are stored',
          );
        }
        break;
      case 'rejected':
        this.stats.rejectedRecords += records;
        this.options.logger.error({ seq, records, reason: outcome.message }, 'collector refused a whole batch as invalid; its records are dropped');
        break;
      case 'retry':
        // Refused for now (rate limit, storage trouble): keep the records and send them again later.
        this.retryAfterMs = outcome.retryAfterMs;
        this.options.logger.warn({ seq, code: outcome.code, reason: outcome.message }, 'collector refused a batch for now; will retry');
        this.loseStream(stream, new Error(`${outcome.code}: ${outcome.message}`));
        return;
    }
    this.spool.acknowledge(seq);
    this.resolveDrainedIfEmpty();
    this.pump();
  }

  private async connect(): Promise<void> {
    if (this.connecting || this.stream !== undefined || this.reconnectTimer !== undefined || this.closed) return;
    this.connecting = true;
    try {
      const reply = await this.options.client.hello({ ...this.options.nodeInfo, spool_epoch: this.spool.epoch }, this.options.helloTimeoutMs);
      if (this.closed) return;
      this.fitBatchesTo(reply);
      takeCollectorMark(this.spool, reply.last_seq, this.options.logger);
      this.openStream();
      this.backoff.reset();
      this.options.logger.info({ collector: this.options.client.address, lastSeq: reply.last_seq }, 'connected to collector');
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

  private openStream(): void {
    const stream = new PushStream(this.options.client.push());
    this.stream = stream;
    stream.onLost((error) => {
      if (this.stream !== stream || this.closed) return;
      this.options.logger.warn({ collector: this.options.client.address, err: describe(error) }, 'lost the collector stream; will retry');
      this.loseStream(stream, error);
    });
  }

  private loseStream(stream: PushStream, error: unknown): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.lastError = describe(error);
    stream.cancel(error instanceof Error ? error : new Error(String(error)));
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delayMs = this.backoff.next(this.retryAfterMs);
    this.retryAfterMs = 0;
    this.options.logger.debug({ delayMs, err: this.lastError }, 'reconnecting to collector');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  /** The collector says how large a batch it takes; spool entries are about their wire size, with margin. */
  private fitBatchesTo(reply: HelloReply): void {
    this.maxRecords =
      reply.max_records_per_batch > 0 ? Math.min(this.options.maxRecordsPerBatch, reply.max_records_per_batch) : this.options.maxRecordsPerBatch;
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
    const message = refused
      ? 'the collector refuses this agent; records stay in the spool until that is fixed'
      : 'cannot reach the collector; records wait in the spool, retrying';
    if (refused) this.options.logger.error({ collector: this.options.client.address, err: this.lastError }, message);
    else this.options.logger.warn({ collector: this.options.client.address, err: this.lastError }, message);
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
