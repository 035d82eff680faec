import { agentOverhead } from './agent-overhead.js';
import { agentStartup } from './agent-startup.js';
import { entryLayoutCpu } from './entry-layout-cpu.js';
import { ingestBench } from './ingest-bench.js';
import { ipmitoolCost } from './ipmitool-cost.js';
import { redisEntrySize } from './redis-entry-size.js';
import { sinkBench } from './sink-bench.js';
import { soak } from './soak.js';

/**
 * `npm run bench`: what the agent costs the workload beside it and to start
 * (agent-overhead.ts, agent-startup.ts), what a power reading costs
 * (ipmitool-cost.ts), what Redis holds and spends per record, the
 * collector's ingest, the history sink, and last the soak: agents under
 * random collector and Redis restarts. Each prints its figures and ratios,
 * measured side by side in this run; it asserts nothing. `--quick` runs
 * fewer rounds.
 */

const quick = process.argv.includes('--quick');

agentOverhead(quick)
  .then(() => agentStartup(quick))
  .then(() => ipmitoolCost(quick))
  .then(() => redisEntrySize(quick))
  .then(() => entryLayoutCpu(quick))
  .then(() => ingestBench(quick))
  .then((ingestRate) => sinkBench(quick, ingestRate))
  .then(() => soak(quick))
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
