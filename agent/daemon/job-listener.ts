import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Job } from '../../proto/records.js';
import { Backoff } from '../transport/backoff.js';
import type { CollectorClient } from '../transport/collector-client.js';

export interface JobListenerOptions {
  /** The agent's connection to the collector, shared with the shipper. */
  client: CollectorClient;
  nodeId: string;
  /** The allow-list's names, told to the collector for status. */
  workloads(): string[];
  onJob(job: Job): void;
  logger: Logger;
  retryMaxMs: number;
}

/**
 * Keeps the daemon's Jobs stream open to the collector (reopened with
 * capped backoff when it breaks) and hands each job to onJob. Jobs name
 * workloads; what runs is decided by the daemon's allow-list, not here.
 */
export class JobListener {
  private call: grpc.ClientReadableStream<Job> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private stopped = false;

  constructor(private readonly options: JobListenerOptions) {
    this.backoff = new Backoff(500, options.retryMaxMs);
  }

  start(): void {
    if (this.stopped) return;
    const call = this.options.client.jobs(this.options.nodeId, this.options.workloads());
    this.call = call;
    call.on('data', (job: Job) => {
      this.backoff.reset();
      this.options.onJob(job);
    });
    call.on('metadata', () => this.backoff.reset());
    const lost = (error?: Error): void => {
      if (this.call !== call || this.stopped) return;
      this.call = undefined;
      const delay = this.backoff.next();
      this.options.logger.debug({ err: error?.message, delayMs: delay }, 'jobs stream closed; reopening');
      this.timer = setTimeout(() => this.start(), delay);
    };
    call.on('error', lost);
    call.on('end', () => lost());
  }

  /** Ends the stream; the shared client stays open for the shipper. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.call?.cancel();
  }
}
