import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Job, JobsRequest } from '../../proto/records.js';
import type { RedisClient } from '../queue/redis-connection.js';
import { nodeMatches, type JobStore } from './job-store.js';

const NOT_READY_POLL_MS = 200;

/**
 * The agents connected to this collector for jobs, and the loop that hands
 * them new jobs: every collector watches the jobs stream in Redis and sends
 * each job to its own connected agents that the job's selector names. An
 * agent not connected when a job is announced does not get it.
 */
export class JobBoard {
  private readonly agents = new Map<string, grpc.ServerWritableStream<JobsRequest, Job>>();
  private stopped = false;

  constructor(
    private readonly store: JobStore,
    private readonly logger: Logger,
  ) {}

  connect(node: string, call: grpc.ServerWritableStream<JobsRequest, Job>): void {
    this.agents.get(node)?.end(); // one jobs stream per node: the newest wins
    this.agents.set(node, call);
    call.once('close', () => {
      if (this.agents.get(node) === call) this.agents.delete(node);
    });
  }

  /** Watches the jobs stream on its own connection (XREAD blocks it) until stop(). */
  async watch(redis: RedisClient): Promise<void> {
    let last = '$';
    while (!this.stopped) {
      // Its own connection may still be connecting (at start, or Redis away): wait, quietly; the main connection reports Redis trouble.
      if (redis.status !== 'ready') {
        await new Promise((resolve) => setTimeout(resolve, NOT_READY_POLL_MS));
        continue;
      }
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = await redis.xread('BLOCK', 1000, 'STREAMS', this.store.announcements, last);
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: (error as Error).message }, 'cannot read the jobs stream; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id;
          await this.dispatch(fields[fields.indexOf('job_id') + 1]!);
        }
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const call of this.agents.values()) call.end();
  }

  private async dispatch(jobId: string): Promise<void> {
    const spec = await this.store.spec(jobId);
    if (spec === undefined) return;
    for (const [node, call] of this.agents) {
      if (!nodeMatches(spec.nodes, node)) continue;
      call.write(spec.job);
      await this.store.markSent(jobId, node);
      this.logger.info({ job: jobId, node, workload: spec.job.workload }, 'job sent');
    }
  }
}
