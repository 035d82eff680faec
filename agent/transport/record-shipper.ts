import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { Ack, HelloReply, NodeInfo } from '../../proto/records.js';
import type { Batch as BatchInput } from '../../proto/generated/powerprof/v1/Batch.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import type { Record as RecordInput } from '../../proto/generated/powerprof/v1/Record.js';

export interface ShipperOptions {
  address: string;
  nodeInfo: NodeInfo;
  proto: IngestPackage;
  logger: Logger;
  credentials: grpc.ChannelCredentials;
  maxRecordsPerBatch: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  helloTimeoutMs: number;
}

interface PendingBatch {
  /** Given when the batch first goes on the wire, and kept for every retry. */
  seq?: number;
  records: RecordInput[];
}

export interface ShipperStats {
  ackedRecords: number;
  rejectedRecords: number;
  duplicateBatches: number;
}

/**
 * Ships records to the collector over one Push stream and keeps every batch
 * until the collector acks it. A lost stream is reopened with capped
 * exponential backoff and jitter; after each Hello, batches the collector
 * already applied (seq <= last_seq) are dropped and the rest resent with
 * their original seq, so a retry is never written twice.
 *
 * Records wait in memory; the agent's durable spool is a later layer.
 */
export class RecordShipper {
  readonly stats: ShipperStats = { ackedRecords: 0, rejectedRecords: 0, duplicateBatches: 0 };
  private readonly client: IngestClient;
  private readonly queue: PendingBatch[] = [];
  private sent = 0;
  private stream: grpc.ClientDuplexStream<BatchInput, Ack> | undefined;
  private connecting = false;
  private nextSeq = 1;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError = '';
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly options: ShipperOptions) {
    this.client = new options.proto.Ingest(options.address, options.credentials) as unknown as IngestClient;
  }

  enqueue(records: RecordInput[]): void {
    for (let start = 0; start < records.length; start += this.options.maxRecordsPerBatch) {
      this.queue.push({ records: records.slice(start, start + this.options.maxRecordsPerBatch) });
    }
    this.pump();
  }

  /** Records not yet acked. */
  get pendingRecords(): number {
    return this.queue.reduce((sum, batch) => sum + batch.records.length, 0);
  }

  get lastDeliveryError(): string {
    return this.lastError;
  }

  /** Waits until every batch is acked or timeoutMs passes; returns the records still pending. */
  async flush(timeoutMs: number): Promise<number> {
    if (this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.pendingRecords;
  }

  /** Idempotent. Call flush() first: whatever is still pending is left behind. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.end();
    this.stream = undefined;
    this.client.close();
    this.resolveDrained();
  }

  private pump(): void {
    if (this.closed) return;
    if (this.stream === undefined) {
      void this.connect();
      return;
    }
    while (this.sent < this.queue.length) {
      const batch = this.queue[this.sent]!;
      batch.seq ??= this.nextSeq++;
      this.stream.write({ node_id: this.options.nodeInfo.node_id, seq: batch.seq, records: batch.records });
      this.sent++;
    }
  }

  private async connect(): Promise<void> {
    if (this.connecting || this.reconnectTimer !== undefined || this.closed) return;
    this.connecting = true;
    try {
      const reply = await this.hello();
      this.forgetApplied(reply.last_seq);
      this.openStream();
      this.failures = 0;
      this.options.logger.info({ collector: this.options.address, lastSeq: reply.last_seq }, 'connected to collector');
    } catch (error) {
      this.lastError = describe(error);
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
    this.pump();
  }

  private hello(): Promise<HelloReply> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.options.helloTimeoutMs);
      this.client.Hello(this.options.nodeInfo, { deadline }, (error, reply) => {
        if (error !== null || reply === undefined) reject(error ?? new Error('empty Hello reply'));
        else resolve(reply);
      });
    });
  }

  /** Batches at or below the collector's last applied seq were written before a connection broke. */
  private forgetApplied(lastSeq: number): void {
    while (this.queue[0]?.seq !== undefined && this.queue[0].seq <= lastSeq) {
      const applied = this.queue.shift()!;
      this.stats.ackedRecords += applied.records.length;
      this.stats.duplicateBatches++;
    }
    this.nextSeq = Math.max(this.nextSeq, lastSeq + 1);
    this.resolveDrainedIfEmpty();
  }

  private openStream(): void {
    const stream = this.client.Push();
    this.stream = stream;
    this.sent = 0;
    stream.on('data', (ack: Ack) => this.onAck(ack));
    stream.on('error', (error) => this.onStreamLost(stream, error));
    stream.on('end', () => this.onStreamLost(stream, new Error('collector closed the stream')));
  }

  private onAck(ack: Ack): void {
    const head = this.queue[0];
    if (head === undefined || head.seq !== ack.seq) {
      this.options.logger.error({ ackSeq: ack.seq, expectedSeq: head?.seq }, 'collector acked an unexpected batch; reconnecting');
      this.stream?.cancel();
      return;
    }
    this.queue.shift();
    this.sent--;
    if (ack.code === grpc.status.OK) {
      this.stats.ackedRecords += head.records.length;
      if (ack.duplicate) this.stats.duplicateBatches++;
    } else {
      // Refused for good (invalid): retrying the same bytes cannot succeed.
      this.stats.rejectedRecords += head.records.length;
      this.options.logger.error({ seq: ack.seq, code: grpc.status[ack.code], reason: ack.message }, 'collector refused a batch');
    }
    this.resolveDrainedIfEmpty();
  }

  private onStreamLost(stream: grpc.ClientDuplexStream<BatchInput, Ack>, error: unknown): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.sent = 0;
    if (this.closed) return;
    this.lastError = describe(error);
    this.options.logger.warn({ collector: this.options.address, err: this.lastError }, 'lost the collector stream; will retry');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** this.failures);
    const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
    this.failures++;
    this.options.logger.debug({ delayMs, err: this.lastError }, 'reconnecting to collector');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  private resolveDrainedIfEmpty(): void {
    if (this.queue.length === 0) this.resolveDrained();
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
