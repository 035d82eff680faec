import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { RunRecord } from '../../proto/records.js';
import type { RunConfig } from '../config.js';
import { UsageError } from '../config.js';
import { LocalCsvWriter } from '../csv/local-csv-writer.js';
import { runExperiment } from '../experiment/run-experiment.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import { defaultPmuCounters, eventGroups } from '../perf/event-groups.js';
import { PowerMeasurement } from '../power/power-measurement.js';
import { createPowerSampler } from '../power/power-setup.js';
import { resolveEvents } from '../perf/event-presets.js';
import { probePerf } from '../perf/probe-perf.js';
import { RunJournal } from '../experiment/run-journal.js';
import { startDelivery } from '../transport/delivery.js';
import { workloadName } from '../workload/workload-name.js';
import { resolveWorkloadUser } from '../workload/workload-user.js';

const INTERRUPTED_FLUSH_S = 5;

export interface RunDependencies {
  config: RunConfig;
  logger: Logger;
  proto: IngestPackage;
  /** Aborted when the agent is asked to stop (SIGINT, SIGTERM). */
  interrupt: AbortSignal;
  terminal: NodeJS.WritableStream;
}

/** `powerprof-agent run`: one experiment on this node, shipped to the collector. Returns the exit code. */
export async function runCommand({ config, logger, proto, interrupt, terminal }: RunDependencies): Promise<number> {
  const resolvedUser = config.workload_user === undefined ? undefined : resolveWorkloadUser(config.workload_user, process.getuid?.());
  // The agent's own user (root, said explicitly) needs no switch.
  const workloadUser = resolvedUser?.uid === process.getuid?.() ? undefined : resolvedUser;
  if (resolvedUser === undefined && process.getuid?.() === 0) {
    logger.warn('the workload runs as root; --workload-user USER runs it as an unprivileged user (perf still counts it)');
  }
  const perfVersion = await checkPerf(config, logger);
  const nodeInfo = await collectNodeInfo(config.node_id, perfVersion ?? '', logger);
  const resolved = resolveEvents(config.events, nodeInfo.arch);
  if (!resolved.ok) throw new UsageError(`events: ${resolved.error}`);
  const groups = config.no_multiplex ? eventGroups(resolved.events, config.pmu_counters ?? defaultPmuCounters(nodeInfo.arch)) : [resolved.events];
  if (groups.length > 1 && config.repeat < groups.length && config.until_rsd === undefined) {
    logger.warn({ groups: groups.length, repeat: config.repeat }, 'fewer runs than event groups: some events will not be counted; raise --repeat');
  }

  // Everything measured goes to the spool first; the shipper sends it on as the collector acks.
  const delivery = startDelivery(config, nodeInfo, proto, logger);
  const { spool } = delivery;
  const journal = new RunJournal(spool.directory);
  const recovered = journal.recover(spool.lastWriteBeforeOpenUnixMs, (runId) => spool.holdsRun(runId));
  const csv = config.csv === undefined ? undefined : new LocalCsvWriter(config.csv);
  spool.append([{ node_info: nodeInfo }]);
  if (recovered !== undefined) {
    logger.warn({ runId: recovered.run_id, workload: recovered.workload, repetition: recovered.repetition }, 'the previous agent stopped during a run; recording it as interrupted');
    spool.append([{ run: recovered }]);
    csv?.addRun({ node: nodeInfo.node_id, run: recovered });
    journal.ended();
  }

  // Power is sampled all through the experiment, idle windows and gaps between runs included.
  const sampler = createPowerSampler(config, {
    onSamples: (samples) => {
      spool.append(samples.map((power_sample) => ({ power_sample })));
      for (const sample of samples) csv?.addSample({ node: nodeInfo.node_id, sample });
    },
    onStatus: (power_source_status) => spool.append([{ power_source_status }]),
    logger: logger.child({ component: 'power' }),
  });
  const powerSources = await sampler.start();
  const power =
    powerSources.length === 0
      ? undefined
      : new PowerMeasurement(sampler, { primary: config.power_primary, idleS: config.idle_s, settleMs: config.power_period_ms + config.power_timeout * 1000 }, logger.child({ component: 'energy' }));
  if (config.power.includes('none')) logger.info('power measurement disabled (--power none)');
  else if (powerSources.length === 0) logger.warn('no power source works on this node ("powerprof-agent probe" says why); runs record no energy');

  const cpuBeforeRuns = process.cpuUsage();
  const runs = await runExperiment(
    {
      workload: config.workload ?? workloadName(config.command),
      command: config.command,
      repeat: { warmup: config.warmup, repeat: config.repeat, maxRepeat: config.max_repeat, ...(config.until_rsd === undefined ? {} : { untilRsdPercent: config.until_rsd }) },
      eventGroups: groups,
      perfPath: perfVersion === undefined ? undefined : config.perf_path,
      intervalMs: config.interval_ms,
      timeoutMs: config.timeout * 1000,
      killGraceMs: config.kill_grace * 1000,
      workloadUser,
      itemsKey: config.items_key,
      sysfsRoot: config.sysfs_root,
      power,
    },
    nodeInfo,
    {
      emit: (records) => spool.append(records),
      onRunStarted: (run) => journal.started(run),
      onRun: (run) => {
        journal.ended();
        csv?.addRun({ node: nodeInfo.node_id, run });
      },
      onInterval: (interval) => csv?.addInterval({ node: nodeInfo.node_id, interval }),
      terminal,
      terminalIsTty: (terminal as NodeJS.WriteStream).isTTY === true,
      logger,
    },
    interrupt,
  );

  await sampler.stop();
  // Interrupted, the records are safe in the spool: wait a little, not the whole --flush-timeout.
  const { delivered, pending } = await delivery.finish(interrupt.aborted ? Math.min(config.flush_timeout, INTERRUPTED_FLUSH_S) : config.flush_timeout);
  const { stats } = delivery.shipper;
  logger.info(
    { runs: runs.length, delivered: stats.ackedRecords, refused: stats.rejectedRecords, spoolDropped: spool.dropped, ...ownCost(cpuBeforeRuns, runs) },
    'experiment finished',
  );
  if (!delivered) {
    logger.error(
      { collector: config.collector, undelivered: pending, err: delivery.shipper.lastDeliveryError, spool: spool.directory },
      `records not delivered to the collector before the flush timeout; they wait in the spool and go at the next start, or with "powerprof-agent flush --node-id ${nodeInfo.node_id}"`,
    );
    return interrupt.aborted ? 130 : 1;
  }
  return interrupt.aborted ? 130 : 0;
}

/**
 * What the agent itself cost, next to what the workload used: its CPU while
 * the runs went (start-up excluded) and in all, and its peak memory.
 */
function ownCost(cpuBeforeRuns: NodeJS.CpuUsage, runs: readonly RunRecord[]): { agentCpuS: number; agentCpuDuringRunsS: number; workloadCpuS: number; agentMaxRssMiB: number } {
  const seconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    agentCpuS: round(seconds(process.cpuUsage())),
    agentCpuDuringRunsS: round(seconds(process.cpuUsage(cpuBeforeRuns))),
    workloadCpuS: round(runs.reduce((sum, run) => sum + run.user_cpu_s + run.system_cpu_s, 0)),
    agentMaxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** perf's version, or undefined with --no-perf; a UsageError with the fix when perf cannot count here. */
async function checkPerf(config: RunConfig, logger: Logger): Promise<string | undefined> {
  if (config.no_perf) {
    logger.info('perf disabled (--no-perf): recording wall time and CPU time only');
    return undefined;
  }
  const probe = await probePerf(config.perf_path);
  if (!probe.ok) throw new UsageError(`${probe.reason}.\nTo fix: ${probe.fix}.`);
  return probe.version;
}
