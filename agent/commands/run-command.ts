import type { Logger } from 'pino';
import type { RunRecord } from '../../proto/records.js';
import type { RunConfig } from '../config.js';
import { NodeSession } from '../experiment/node-session.js';
import { experimentSettings, sessionSettings } from './command-settings.js';

const INTERRUPTED_FLUSH_S = 5;

export interface RunDependencies {
  config: RunConfig;
  logger: Logger;
  /** Aborted when the agent is asked to stop (SIGINT, SIGTERM). */
  interrupt: AbortSignal;
  terminal: NodeJS.WritableStream;
}

/** `powerprof-agent run`: one experiment on this node, shipped to the collector. Returns the exit code. */
export async function runCommand({ config, logger, interrupt, terminal }: RunDependencies): Promise<number> {
  const session = await NodeSession.open(sessionSettings(config), { logger, terminal });
  const cpuBeforeRuns = process.cpuUsage();
  let runs: RunRecord[];
  try {
    runs = await session.experiment(experimentSettings(config), interrupt);
  } catch (error) {
    await session.close(0); // a bad --events: nothing ran; stop sampling so the process can exit
    throw error;
  }
  // Interrupted, the records are safe in the spool: wait a little, not the whole --flush-timeout.
  const { delivered, pending } = await session.close(interrupt.aborted ? Math.min(config.flush_timeout, INTERRUPTED_FLUSH_S) : config.flush_timeout);
  const stats = session.shipperStats;
  logger.info(
    {
      runs: runs.length,
      delivered: stats.ackedRecords,
      refused: stats.rejectedRecords,
      spoolDropped: session.spool.dropped,
      ...ownCost(cpuBeforeRuns, session, runs),
    },
    'experiment finished',
  );
  if (!delivered) {
    logger.error(
      { collector: config.collector, undelivered: pending, err: session.lastDeliveryError, spool: session.spool.directory },
      `records not delivered to the collector before the flush timeout; they wait in the spool and go at the next start, or with "powerprof-agent flush --node-id ${session.nodeInfo.node_id}"`,
    );
    return interrupt.aborted ? 130 : 1;
  }
  return interrupt.aborted ? 130 : 0;
}

/**
 * What the agent itself cost, next to what the workload used: its CPU from
 * its start to the first run's, while the workload ran (beside it), over the
 * experiment (runs, records and delivery; start-up excluded) and in all, and
 * its peak memory.
 */
function ownCost(
  cpuBeforeRuns: NodeJS.CpuUsage,
  session: Pick<NodeSession, 'agentCpuWhileWorkloadsRanS' | 'agentCpuBeforeFirstRunS'>,
  runs: readonly RunRecord[],
): {
  agentCpuS: number;
  agentCpuBeforeFirstRunS: number | undefined;
  agentCpuDuringRunsS: number;
  agentCpuWhileWorkloadRanS: number;
  workloadCpuS: number;
  agentMaxRssMiB: number;
} {
  const seconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    agentCpuS: round(seconds(process.cpuUsage())),
    agentCpuBeforeFirstRunS: session.agentCpuBeforeFirstRunS === undefined ? undefined : round(session.agentCpuBeforeFirstRunS),
    agentCpuDuringRunsS: round(seconds(process.cpuUsage(cpuBeforeRuns))),
    agentCpuWhileWorkloadRanS: round(session.agentCpuWhileWorkloadsRanS),
    workloadCpuS: round(runs.reduce((sum, run) => sum + run.user_cpu_s + run.system_cpu_s, 0)),
    agentMaxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
