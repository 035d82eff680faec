import type { Logger } from 'pino';
import type { ExperimentStartConfig, ExperimentStatusConfig } from '../config.js';
import { JobStore } from '../jobs/job-store.js';
import { createRedisClient, type RedisClient } from '../queue/redis-connection.js';
import { redisKeys } from '../queue/redis-keys.js';

/**
 * `powerprof-collector experiment start`: announces a job in Redis; every
 * serving collector sends it to its connected agents that --nodes names.
 * Agents run it only if the workload is in their own allow-list. Prints the
 * job id, and after --wait-s which nodes it reached.
 */
export async function experimentStartCommand(config: ExperimentStartConfig, output: NodeJS.WritableStream, logger: Logger): Promise<number> {
  const { redis, store } = await connectJobs(config);
  try {
    const events =
      config.events === undefined
        ? []
        : config.events
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e !== '');
    const spec = await store.create(
      { workload: config.workload, repeat: config.repeat, warmup: config.warmup, events, interval_ms: config.interval_ms },
      config.nodes,
    );
    logger.info({ job: spec.job.job_id }, 'job announced');
    output.write(`experiment ${spec.job.job_id}: ${config.workload} x${config.repeat} on ${config.nodes}\n`);
    await new Promise((resolve) => setTimeout(resolve, config.wait_s * 1000));
    const states = await store.states(spec.job.job_id);
    output.write(
      states.size === 0
        ? 'no connected agent matched yet (agents get jobs while their daemon is connected)\n'
        : `sent to ${states.size} node(s): ${[...states.keys()].sort().join(', ')}\n`,
    );
    output.write(`follow it with: powerprof-collector experiment status ${spec.job.job_id}\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

async function connectJobs(config: { redis: string; redis_cluster: boolean; key_prefix: string }): Promise<{ redis: RedisClient; store: JobStore }> {
  const redis = createRedisClient(config.redis, config.redis_cluster, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  await redis.connect().catch((error: Error) => {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${config.redis}: ${error.message}`);
  });
  return { redis, store: new JobStore(redis, redisKeys(config.key_prefix)) };
}

/** `powerprof-collector experiment status ID`: per node, what became of the job. Exit 1 for an unknown id. */
export async function experimentStatusCommand(config: ExperimentStatusConfig, output: NodeJS.WritableStream): Promise<number> {
  const { redis, store } = await connectJobs(config);
  try {
    const spec = await store.spec(config.job_id);
    if (spec === undefined) {
      output.write(`no experiment ${config.job_id} in ${config.redis}\n`);
      return 1;
    }
    const states = await store.states(config.job_id);
    output.write(
      `experiment ${spec.job.job_id}: ${spec.job.workload} x${spec.job.repeat} on ${spec.nodes}, started ${new Date(Number(spec.job.created_unix_ms)).toISOString()}\n`,
    );
    const rows = [...states].sort(([a], [b]) => a.localeCompare(b));
    const width = Math.max(4, ...rows.map(([node]) => node.length));
    output.write(`${'node'.padEnd(width)}  ${'state'.padEnd(8)}  runs  message\n`);
    for (const [node, state] of rows)
      output.write(`${node.padEnd(width)}  ${state.state.toLowerCase().padEnd(8)}  ${String(state.runs).padStart(4)}  ${state.message}\n`);
    const done = rows.filter(([, s]) => s.state === 'DONE').length;
    output.write(`${done} of ${rows.length} node(s) done; report: powerprof-collector report --experiment ${spec.job.job_id} --out report.html\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}
