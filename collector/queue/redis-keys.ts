/**
 * Every Redis key the collector uses, built here and nowhere else. A node's
 * keys carry the node id as a hash tag ({node}) so they share one Redis
 * Cluster slot: the seq check and the append run in one Lua script. A fleet
 * experiment's keys carry its id the same way.
 */
export interface RedisKeys {
  records(node: string): string;
  /** Last applied seq per spool epoch (a hash). */
  epochs(node: string): string;
  /** Last applied seq of agents that name no epoch, before epochs: read once, then moved into epochs. */
  seq(node: string): string;
  counts(node: string): string;
  /** Which history sink reads the node's stream now (a string with a TTL). */
  sinkLease(node: string): string;
  readonly nodes: string;
  /** A stream announcing each new fleet experiment (job) id. */
  readonly jobs: string;
  /** A job and its node selector (JSON). */
  jobSpec(jobId: string): string;
  /** Per node, what became of a job (a hash of JSON): sent, then the agent's status. */
  jobNodes(jobId: string): string;
}

export function redisKeys(prefix = 'powerprof'): RedisKeys {
  return {
    records: (node) => `${prefix}:{${node}}:records`,
    epochs: (node) => `${prefix}:{${node}}:epochs`,
    seq: (node) => `${prefix}:{${node}}:seq`,
    counts: (node) => `${prefix}:{${node}}:counts`,
    sinkLease: (node) => `${prefix}:{${node}}:sink-lease`,
    nodes: `${prefix}:nodes`,
    jobs: `${prefix}:jobs`,
    jobSpec: (jobId) => `${prefix}:job:{${jobId}}:spec`,
    jobNodes: (jobId) => `${prefix}:job:{${jobId}}:nodes`,
  };
}
