import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
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
import { RecordShipper } from '../transport/record-shipper.js';
import { workloadName } from '../workload/workload-name.js';

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
  const perfVersion = await checkPerf(config, logger);
  const nodeInfo = await collectNodeInfo(config.node_id, perfVersion ?? '', logger);
  const resolved = resolveEvents(config.events, nodeInfo.arch);
  if (!resolved.ok) throw new UsageError(`events: ${resolved.error}`);
  const groups = config.no_multiplex ? eventGroups(resolved.events, config.pmu_counters ?? defaultPmuCounters(nodeInfo.arch)) : [resolved.events];
  if (groups.length > 1 && config.repeat < groups.length && config.until_rsd === undefined) {
    logger.warn({ groups: groups.length, repeat: config.repeat }, 'fewer runs than event groups: some events will not be counted; raise --repeat');
  }

  const shipper = new RecordShipper({
    address: config.collector,
    nodeInfo,
    proto,
    logger: logger.child({ component: 'shipper' }),
    credentials: grpc.credentials.createInsecure(),
    maxRecordsPerBatch: 500,
    backoffInitialMs: 200,
    backoffMaxMs: 10_000,
    helloTimeoutMs: 5_000,
  });
  shipper.enqueue([{ node_info: nodeInfo }]);
  const csv = config.csv === undefined ? undefined : new LocalCsvWriter(config.csv);

  // Power is sampled all through the experiment, idle windows and gaps between runs included.
  const sampler = createPowerSampler(config, {
    onSamples: (samples) => {
      shipper.enqueue(samples.map((power_sample) => ({ power_sample })));
      for (const sample of samples) csv?.addSample({ node: nodeInfo.node_id, sample });
    },
    onStatus: (power_source_status) => shipper.enqueue([{ power_source_status }]),
    logger: logger.child({ component: 'power' }),
  });
  const powerSources = await sampler.start();
  const power =
    powerSources.length === 0
      ? undefined
      : new PowerMeasurement(sampler, { primary: config.power_primary, idleS: config.idle_s, settleMs: config.power_period_ms + config.power_timeout * 1000 }, logger.child({ component: 'energy' }));
  if (config.power.includes('none')) logger.info('power measurement disabled (--power none)');
  else if (powerSources.length === 0) logger.warn('no power source works on this node ("powerprof-agent probe" says why); runs record no energy');

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
      itemsKey: config.items_key,
      sysfsRoot: config.sysfs_root,
      power,
    },
    nodeInfo,
    {
      emit: (records) => shipper.enqueue(records),
      onRun: (run) => csv?.addRun({ node: nodeInfo.node_id, run }),
      onInterval: (interval) => csv?.addInterval({ node: nodeInfo.node_id, interval }),
      terminal,
      terminalIsTty: (terminal as NodeJS.WriteStream).isTTY === true,
      logger,
    },
    interrupt,
  );

  await sampler.stop();
  const pending = await shipper.flush(config.flush_timeout * 1000);
  shipper.shutdown();
  csv?.close();
  logger.info({ runs: runs.length, delivered: shipper.stats.ackedRecords, refused: shipper.stats.rejectedRecords }, 'experiment finished');
  if (pending > 0) {
    logger.error(
      { collector: config.collector, undelivered: pending, err: shipper.lastDeliveryError, csv: config.csv },
      'records not delivered to the collector before --flush-timeout',
    );
    return 1;
  }
  return interrupt.aborted ? 130 : 0;
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
