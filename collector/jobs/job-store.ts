import { randomUUID } from 'node:crypto';
import type { Job, JobStatus } from '../../proto/records.js';
import type { RedisClient } from '../queue/redis-connection.js';

/**
 * Fleet experiments in Redis, so that any collector can dispatch a job and
 * any can be asked its status:
 *   {prefix}:jobs                 a stream announcing each new job id
 *   {prefix}:job:{ID}:spec        the job and its node selector (JSON)
 *   {prefix}:job:{ID}:nodes       per node, what became of it (JSON): sent, then the agent's JobStatus
 */
export interface JobSpec {
  job: Job;
  /** Comma-separated node ids or globs ("p9-*"), or "all". */
  nodes: string;
}

export interface NodeJobState {
  state: string;
  message: string;
  runs: number;
  time_unix_ms: number;
}

export class JobStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  get announcements(): string {
    return `${this.prefix}:jobs`;
  }

  async create(job: Omit<Job, 'job_id' | 'created_unix_ms'>, nodes: string): Promise<JobSpec> {
    const spec: JobSpec = { job: { ...job, job_id: randomUUID(), created_unix_ms: Date.now() }, nodes };
    await this.redis.set(this.specKey(spec.job.job_id), JSON.stringify(spec));
    await this.redis.xadd(this.announcements, 'MAXLEN', '~', '10000', '*', 'job_id', spec.job.job_id);
    return spec;
  }

  async spec(jobId: string): Promise<JobSpec | undefined> {
    const text = await this.redis.get(this.specKey(jobId));
    return text === null ? undefined : (JSON.parse(text) as JobSpec);
  }

  async markSent(jobId: string, node: string): Promise<void> {
    await this.redis.hsetnx(this.nodesKey(jobId), node, JSON.stringify({ state: 'SENT', message: 'sent to the agent', runs: 0, time_unix_ms: Date.now() } satisfies NodeJobState));
  }

  async recordStatus(node: string, status: JobStatus): Promise<void> {
    const state: NodeJobState = { state: status.state.replace('JOB_STATE_', ''), message: status.message, runs: status.runs, time_unix_ms: status.time_unix_ms };
    await this.redis.hset(this.nodesKey(status.job_id), node, JSON.stringify(state));
  }

  async states(jobId: string): Promise<Map<string, NodeJobState>> {
    const all = await this.redis.hgetall(this.nodesKey(jobId));
    return new Map(Object.entries(all).map(([node, text]) => [node, JSON.parse(text) as NodeJobState]));
  }

  private specKey(jobId: string): string {
    return `${this.prefix}:job:{${jobId}}:spec`;
  }

  private nodesKey(jobId: string): string {
    return `${this.prefix}:job:{${jobId}}:nodes`;
  }
}

/** "all", or comma-separated node ids and globs with * and ?. */
export function nodeMatches(selector: string, node: string): boolean {
  return selector
    .split(',')
    .map((part) => part.trim())
    .some((part) => part === 'all' || new RegExp(`^${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`).test(node));
}
