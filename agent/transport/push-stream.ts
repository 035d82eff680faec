import type * as grpc from '@grpc/grpc-js';
import type { EncodedBatch } from '../../proto/encoded-batch.js';
import type { Ack } from '../../proto/records.js';
import { outcomeOfAck, type BatchOutcome } from './batch-outcome.js';

interface Pending {
  seq: number;
  resolve(outcome: BatchOutcome): void;
  reject(error: Error): void;
}

/**
 * One Push stream as a transport of two methods: send(batch) resolves with
 * what became of it once its ack arrives (acks come in order), and
 * cancel(). When the stream is lost — an error, the collector ending it, an
 * ack for a batch it was not sent — every batch still waiting is rejected
 * with why, and onLost listeners hear it once.
 */
export class PushStream {
  private readonly pending: Pending[] = [];
  private lost: Error | undefined;
  private readonly lostListeners: Array<(error: Error) => void> = [];

  constructor(private readonly call: grpc.ClientDuplexStream<EncodedBatch, Ack>) {
    call.on('data', (ack: Ack) => this.acked(ack));
    call.on('error', (error: Error) => this.lose(error));
    call.on('end', () => this.lose(new Error('collector closed the stream')));
  }

  /** Batches sent and not yet acked. */
  get inFlight(): number {
    return this.pending.length;
  }

  get isLost(): boolean {
    return this.lost !== undefined;
  }

  send(batch: EncodedBatch): Promise<BatchOutcome> {
    if (this.lost !== undefined) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      this.pending.push({ seq: batch.seq, resolve, reject });
      this.call.write(batch);
    });
  }

  onLost(listener: (error: Error) => void): void {
    this.lostListeners.push(listener);
  }

  /** Ends the stream; batches still waiting are rejected. */
  cancel(error = new Error('stream cancelled')): void {
    this.lose(error);
  }

  private acked(ack: Ack): void {
    const head = this.pending[0];
    if (head === undefined || head.seq !== ack.seq) {
      this.lose(new Error(`unexpected ack ${ack.seq} (expected ${head?.seq ?? 'none'})`));
      return;
    }
    this.pending.shift();
    head.resolve(outcomeOfAck(ack));
  }

  private lose(error: Error): void {
    if (this.lost !== undefined) return;
    this.lost = error;
    this.call.cancel();
    for (const waiting of this.pending.splice(0)) waiting.reject(error);
    for (const listener of this.lostListeners) listener(error);
  }
}
