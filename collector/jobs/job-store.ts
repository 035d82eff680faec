import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';
import type { Job, JobStatus } from '../../proto/records.js';
import type { RedisClient } from '../queue/redis-connection.js';
import type { RedisKeys } from '../queue/redis-keys.js';

/**
 * Fleet experiments in Redis, so that any collector can dispatch a job and
 * any can be asked its status (the keys: queue/redis-keys.ts): a stream
 * announcing each new job id, each job's spec, and per node what became of it.
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

const recordJobStatusLua = readFileSync(join(repositoryRoot, 'collector/jobs/record-job-status.lua'), 'utf8');
type RecordJobStatusCommand = (nodesKey: string, node: string, state: string) => Promise<number>;

export class JobStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('powerprofRecordJobStatus', { numberOfKeys: 1, lua: recordJobStatusLua });
  }

  get announcements(): string {
    return this.keys.jobs;
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
    await this.redis.hsetnx(
      this.nodesKey(jobId),
      node,
      JSON.stringify({ state: 'SENT', message: 'sent to the agent', runs: 0, time_unix_ms: Date.now() } satisfies NodeJobState),
    );
  }

  /** What the node says of a job sent to it; false (nothing written) for a job never sent to it. */
  async recordStatus(node: string, status: JobStatus): Promise<boolean> {
    const state: NodeJobState = {
      state: status.state.replace('JOB_STATE_', ''),
      message: status.message,
      runs: status.runs,
      time_unix_ms: status.time_unix_ms,
    };
    const record = (this.redis as unknown as { powerprofRecordJobStatus: RecordJobStatusCommand }).powerprofRecordJobStatus.bind(this.redis);
    return (await record(this.nodesKey(status.job_id), node, JSON.stringify(state))) === 1;
  }

  async states(jobId: string): Promise<Map<string, NodeJobState>> {
    const all = await this.redis.hgetall(this.nodesKey(jobId));
    return new Map(Object.entries(all).map(([node, text]) => [node, JSON.parse(text) as NodeJobState]));
  }

  private specKey(jobId: string): string {
    return this.keys.jobSpec(jobId);
  }

  private nodesKey(jobId: string): string {
    return this.keys.jobNodes(jobId);
  }
}

/** "all", or comma-separated node ids and globs with * and ?. */
export function nodeMatches(selector: string, node: string): boolean {
  return selector
    .split(',')
    .map((part) => part.trim())
    .some(
      (part) =>
        part === 'all' ||
        new RegExp(
          `^${part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replaceAll('*', '.*')
            .replaceAll('?', '.')}$`,
        ).test(node),
    );
}
