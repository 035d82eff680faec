import type { Logger } from 'pino';
import type { NodeInfo, RunRecord } from '../../proto/records.js';
import { UsageError } from '../usage-error.js';
import { LocalCsvWriter } from '../csv/local-csv-writer.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import { defaultPmuCounters, eventGroups } from '../perf/event-groups.js';
import { resolveEvents } from '../perf/event-presets.js';
import { probePerf } from '../perf/probe-perf.js';
import { PowerMeasurement } from '../power/power-measurement.js';
import type { PowerSampler } from '../power/power-sampler.js';
import { createPowerSampler, type PowerSettings } from '../power/power-setup.js';
import type { Spool } from '../spool/spool.js';
import type { CollectorClient } from '../transport/collector-client.js';
import { openDelivery, type Delivery, type DeliverySettings } from '../transport/delivery.js';
import { workloadName } from '../workload/workload-name.js';
import { resolveWorkloadUser, type WorkloadUser } from '../workload/workload-user.js';
import { runExperiment } from './run-experiment.js';
import { RunJournal } from './run-journal.js';

/** What a node session needs (commands/command-settings.ts makes it from the config). */
export interface SessionSettings {
  nodeId: string;
  /** The perf binary; undefined with --no-perf. */
  perfPath: string | undefined;
  /** Whom the workload runs as (a root agent), by name or uid. */
  workloadUser: string | undefined;
  /** Where to also write runs.csv, power.csv and counters.csv. */
  csvDir: string | undefined;
  power: PowerSettings;
  /** The source of a run's energy columns; by default the one closest to the wall. */
  powerPrimary: string | undefined;
  delivery: DeliverySettings;
}

/** One experiment: run's options (a daemon's schedule entry or job sets some over them). */
export interface ExperimentSettings {
  command: readonly string[];
  workload: string | undefined;
  repeat: number;
  warmup: number;
  maxRepeat: number;
  untilRsdPercent: number | undefined;
  events: readonly string[];
  noMultiplex: boolean;
  pmuCounters: number | undefined;
  intervalMs: number;
  timeoutMs: number;
  killGraceMs: number;
  itemsKey: string;
  sysfsRoot: string;
  idleS: number;
  /** Rest between runs, power still sampled. */
  pauseMs: number;
}

export interface SessionDependencies {
  logger: Logger;
  terminal: NodeJS.WritableStream;
}

/**
 * A node at work: its description, its spool and shipper, the run journal,
 * the local CSV copy, and power sampled all the time the session is open
 * (idle windows and gaps between runs included). `run` opens one for one
 * experiment; the daemon keeps one open and runs experiments in it.
 */
export class NodeSession {
  private constructor(
    readonly nodeInfo: NodeInfo,
    private readonly settings: SessionSettings,
    private readonly deps: SessionDependencies,
    private readonly delivery: Delivery,
    private readonly journal: RunJournal,
    private readonly csv: LocalCsvWriter | undefined,
    private readonly sampler: PowerSampler,
    private readonly powerWorks: boolean,
    /** What probePerf found; undefined with --no-perf. */
    private readonly perf: { version: string; attach: boolean } | undefined,
    private readonly workloadUser: WorkloadUser | undefined,
  ) {}

  static async open(settings: SessionSettings, deps: SessionDependencies): Promise<NodeSession> {
    const { logger } = deps;
    const resolvedUser = settings.workloadUser === undefined ? undefined : resolveWorkloadUser(settings.workloadUser, process.getuid?.());
    // The agent's own user (root, said explicitly) needs no switch.
    const workloadUser = resolvedUser?.uid === process.getuid?.() ? undefined : resolvedUser;
    if (resolvedUser === undefined && process.getuid?.() === 0) {
      logger.warn('the workload runs as root; --workload-user USER runs it as an unprivileged user (perf still counts it)');
    }
    const perf = await checkPerf(settings.perfPath, logger);
    const nodeInfo = await collectNodeInfo(settings.nodeId, perf?.version ?? '', logger);

    // Everything measured goes to the spool first; the shipper sends it on as the collector acks.
    const delivery = openDelivery(settings.delivery, nodeInfo, logger);
    delivery.shipper.start();
    const { spool } = delivery;
    const journal = new RunJournal(spool.directory);
    const recovered = journal.recover(spool.lastWriteBeforeOpenUnixMs, (runId) => spool.holdsRun(runId));
    const csv = settings.csvDir === undefined ? undefined : new LocalCsvWriter(settings.csvDir);
    spool.append([{ node_info: { ...nodeInfo, spool_epoch: spool.epoch } }]);
    if (recovered !== undefined) {
      logger.warn(
        { runId: recovered.run_id, workload: recovered.workload, repetition: recovered.repetition },
        'the previous agent stopped during a run; recording it as interrupted',
      );
      spool.append([{ run: recovered }]);
      csv?.addRun({ node: nodeInfo.node_id, run: recovered });
      journal.ended();
    }
    const sampler = createPowerSampler(settings.power, {
      onSamples: (samples) => {
        spool.append(samples.map((power_sample) => ({ power_sample })));
        for (const sample of samples) csv?.addSample({ node: nodeInfo.node_id, sample });
      },
      onStatus: (power_source_status) => spool.append([{ power_source_status }]),
      logger: logger.child({ component: 'power' }),
    });
    const powerSources = await sampler.start();
    if (settings.power.sources.includes('none')) logger.info('power measurement disabled (--power none)');
    else if (powerSources.length === 0) logger.warn('no power source works on this node ("powerprof-agent probe" says why); runs record no energy');
    return new NodeSession(nodeInfo, settings, deps, delivery, journal, csv, sampler, powerSources.length > 0, perf, workloadUser);
  }

  get spool(): Spool {
    return this.delivery.spool;
  }

  /** The connection to the collector (the daemon's Jobs stream shares it). */
  get collectorClient(): CollectorClient {
    return this.delivery.client;
  }

  /** The agent's own CPU while workloads ran, over every run so far. */
  agentCpuWhileWorkloadsRanS = 0;

  /** The agent's own CPU from its start to the first run's start (what starting up cost), once a run started. */
  agentCpuBeforeFirstRunS: number | undefined;

  get shipperStats(): { ackedRecords: number; rejectedRecords: number } {
    return this.delivery.shipper.stats;
  }

  get lastDeliveryError(): string {
    return this.delivery.shipper.lastDeliveryError;
  }

  /** One experiment: warm-ups and runs of the workload, each recorded and spooled as it ends. */
  async experiment(experiment: ExperimentSettings, interrupt: AbortSignal, experimentId?: string): Promise<RunRecord[]> {
    const { logger, terminal } = this.deps;
    const resolved = resolveEvents(experiment.events, this.nodeInfo.arch);
    if (!resolved.ok) throw new UsageError(`events: ${resolved.error}`);
    const groups = experiment.noMultiplex ? eventGroups(resolved.events, experiment.pmuCounters ?? defaultPmuCounters(this.nodeInfo.arch)) : [resolved.events];
    if (groups.length > 1 && experiment.repeat < groups.length && experiment.untilRsdPercent === undefined) {
      logger.warn({ groups: groups.length, repeat: experiment.repeat }, 'fewer runs than event groups: some events will not be counted; raise --repeat');
    }
    const { power: powerSettings, powerPrimary } = this.settings;
    const power = this.powerWorks
      ? new PowerMeasurement(
          this.sampler,
          { primary: powerPrimary, idleS: experiment.idleS, settleMs: powerSettings.periodMs + powerSettings.timeoutMs },
          logger.child({ component: 'energy' }),
        )
      : undefined;
    const node = this.nodeInfo.node_id;
    return runExperiment(
      {
        experimentId,
        workload: experiment.workload ?? workloadName(experiment.command),
        command: experiment.command,
        repeat: {
          warmup: experiment.warmup,
          repeat: experiment.repeat,
          maxRepeat: experiment.maxRepeat,
          ...(experiment.untilRsdPercent === undefined ? {} : { untilRsdPercent: experiment.untilRsdPercent }),
        },
        eventGroups: groups,
        perfPath: this.perf === undefined ? undefined : this.settings.perfPath,
        perfAttach: this.perf?.attach ?? false,
        intervalMs: experiment.intervalMs,
        pauseMs: experiment.pauseMs,
        timeoutMs: experiment.timeoutMs,
        killGraceMs: experiment.killGraceMs,
        workloadUser: this.workloadUser,
        itemsKey: experiment.itemsKey,
        sysfsRoot: experiment.sysfsRoot,
        power,
      },
      this.nodeInfo,
      {
        emit: (records) => this.spool.append(records),
        onRunStarted: (run) => {
          if (this.agentCpuBeforeFirstRunS === undefined) {
            const { user, system } = process.cpuUsage();
            this.agentCpuBeforeFirstRunS = (user + system) / 1e6;
          }
          this.journal.started(run);
        },
        onRun: (run, agentCpuS) => {
          this.agentCpuWhileWorkloadsRanS += agentCpuS;
          this.journal.ended();
          this.csv?.addRun({ node, run });
        },
        onInterval: (interval) => this.csv?.addInterval({ node, interval }),
        terminal,
        terminalIsTty: (terminal as NodeJS.WriteStream).isTTY === true,
        logger,
      },
      interrupt,
    );
  }

  /** Stops sampling, waits up to timeoutS for the collector's acks, closes the spool; says what is left. */
  async close(timeoutS: number): Promise<{ delivered: boolean; pending: number }> {
    await this.sampler.stop();
    return this.delivery.finish(timeoutS);
  }
}

/** perf's version and whether it can be attached, or undefined with --no-perf; a UsageError with the fix when perf cannot count here. */
async function checkPerf(perfPath: string | undefined, logger: Logger): Promise<{ version: string; attach: boolean } | undefined> {
  if (perfPath === undefined) {
    logger.info('perf disabled (--no-perf): recording wall time and CPU time only');
    return undefined;
  }
  const probe = await probePerf(perfPath);
  if (!probe.ok) throw new UsageError(`${probe.reason}.\nTo fix: ${probe.fix}.`);
  if (!probe.attach)
    logger.warn(
      { perf: probe.version },
      'this perf is older than 5.11 (no stat --control): it starts each workload itself, and its word on how the workload ended is taken, which perf -I and a busy machine can get wrong',
    );
  return { version: probe.version, attach: probe.attach };
}
