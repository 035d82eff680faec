import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import type { Job } from '../../proto/records.js';
import type { ChannelSecurity } from '../transport/channel-security.js';

export interface JobListenerOptions {
  address: string;
  security: ChannelSecurity;
  proto: IngestPackage;
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
  private readonly client: IngestClient;
  private call: grpc.ClientReadableStream<Job> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: JobListenerOptions) {
    this.client = new options.proto.Ingest(options.address, options.security.credentials, options.security.channelOptions) as unknown as IngestClient;
  }

  start(): void {
    if (this.stopped) return;
    const call = this.client.Jobs({ node_id: this.options.nodeId, workloads: this.options.workloads() }, this.options.security.metadata());
    this.call = call;
    call.on('data', (job: Job) => {
      this.failures = 0;
      this.options.onJob(job);
    });
    call.on('metadata', () => (this.failures = 0));
    const lost = (error?: Error): void => {
      if (this.call !== call || this.stopped) return;
      this.call = undefined;
      const delay = Math.min(this.options.retryMaxMs, 500 * 2 ** Math.min(this.failures++, 20)) * (0.5 + Math.random() / 2);
      this.options.logger.debug({ err: error?.message, delayMs: Math.round(delay) }, 'jobs stream closed; reopening');
      this.timer = setTimeout(() => this.start(), delay);
    };
    call.on('error', lost);
    call.on('end', () => lost());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.call?.cancel();
    this.client.close();
  }
}
