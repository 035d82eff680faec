import type { Logger } from 'pino';
import { loadDaemonConfig, type DaemonConfig, type ScheduleEntry } from '../config.js';
import { Schedule } from '../daemon/schedule.js';
import { notifySystemd } from '../daemon/systemd-notify.js';
import { JobListener } from '../daemon/job-listener.js';
import { NodeSession } from '../experiment/node-session.js';
import { experimentSettings, sessionSettings, type ExperimentConfig } from './command-settings.js';
import type { Job, JobStatus } from '../../proto/records.js';

export interface DaemonDependencies {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  config: DaemonConfig;
  logger: Logger;
  terminal: NodeJS.WritableStream;
  /** Aborted on SIGTERM or SIGINT. */
  stop: AbortSignal;
  /** Calls back on SIGHUP. */
  onReload(listener: () => void): void;
}

const STOP_FLUSH_S = 5;

/**
 * `powerprof-agent daemon --config FILE`: the node's service. Power is
 * sampled and shipped all the time; experiments run on the config's
 * schedule, one at a time, and only workloads the config names (its
 * allow-list). SIGHUP reloads the schedule and the allow-list; SIGTERM ends
 * the current run (recorded as interrupted), flushes and exits 0.
 */
export async function daemonCommand(deps: DaemonDependencies): Promise<number> {
  const { logger, stop } = deps;
  let config = deps.config;
  const session = await NodeSession.open(sessionSettings(config), { logger, terminal: deps.terminal });
  let schedule = new Schedule(config.schedule, Date.now());
  let wake: (() => void) | undefined;
  // Fleet experiments: jobs from the collector, run between scheduled ones if the allow-list names them.
  const jobs: Job[] = [];
  const jobStatus = (job: Job, state: JobStatus['state'], message: string, runs = 0): void =>
    session.spool.append([{ job_status: { job_id: job.job_id, state, message, runs, time_unix_ms: Date.now() } }]);
  const listener = new JobListener({
    client: session.collectorClient,
    nodeId: session.nodeInfo.node_id,
    workloads: () => Object.keys(config.workloads),
    logger: logger.child({ component: 'jobs' }),
    retryMaxMs: config.retry_max_s * 1000,
    onJob: (job) => {
      if (config.workloads[job.workload] === undefined) {
        logger.warn({ job: job.job_id, workload: job.workload }, "job refused: its workload is not in this node's allow-list");
        jobStatus(
          job,
          'JOB_STATE_REFUSED',
          `"${job.workload}" is not in this node's workloads (its allow-list): ${Object.keys(config.workloads).join(', ') || 'none'}`,
        );
        return;
      }
      jobs.push(job);
      jobStatus(job, 'JOB_STATE_ACCEPTED', jobs.length === 1 ? 'queued' : `queued behind ${jobs.length - 1} job(s)`);
      wake?.();
    },
  });
  listener.start();
  deps.onReload(() => {
    notifySystemd('RELOADING=1', deps.env);
    try {
      const reloaded = loadDaemonConfig(deps.argv, deps.env);
      if (!reloaded.help) {
        config = reloaded.config;
        schedule = new Schedule(config.schedule, Date.now());
        logger.info(
          { workloads: Object.keys(config.workloads), schedule: config.schedule.length },
          'configuration reloaded (power, spool and collector settings take effect at the next start)',
        );
      }
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'configuration not reloaded: it has problems; the previous one stays');
    }
    notifySystemd('READY=1', deps.env);
    wake?.();
  });
  stop.addEventListener('abort', () => wake?.(), { once: true });
  notifySystemd('READY=1', deps.env);
  logger.info(
    { node: session.nodeInfo.node_id, workloads: Object.keys(config.workloads), schedule: config.schedule.length },
    'daemon running: power sampled continuously',
  );

  while (!stop.aborted) {
    const job = jobs.shift();
    if (job !== undefined) {
      await runJob(session, job, config, logger, stop, jobStatus);
      continue;
    }
    const next = schedule.next();
    const waitMs = next === undefined ? 2 ** 31 - 1 : Math.max(0, next.atMs - Date.now());
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(waitMs, 2 ** 31 - 1));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      continue; // a reload or a stop may have changed what is next
    }
    const entry = next!.entry;
    await runScheduled(session, entry, config, logger, stop);
    schedule.done(entry, Date.now());
  }

  listener.stop();
  for (const job of jobs) jobStatus(job, 'JOB_STATE_FAILED', 'the daemon stopped before running it');
  notifySystemd('STOPPING=1', deps.env);
  const { delivered, pending } = await session.close(STOP_FLUSH_S);
  if (!delivered)
    logger.warn({ pending, spool: session.spool.directory }, 'stopping with records not yet delivered; they wait in the spool for the next start');
  logger.info('daemon stopped');
  return 0;
}

/** An allow-listed workload with the config's defaults, and what a job or a schedule entry sets over them. */
function experimentOf(config: DaemonConfig, workload: string, overrides: Partial<Omit<ExperimentConfig, 'command' | 'workload'>>): ExperimentConfig {
  const set = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...config, ...set, command: config.workloads[workload]!, workload };
}

async function runJob(
  session: NodeSession,
  job: Job,
  config: DaemonConfig,
  logger: Logger,
  stop: AbortSignal,
  status: (job: Job, state: JobStatus['state'], message: string, runs?: number) => void,
): Promise<void> {
  const experiment = experimentOf(config, job.workload, {
    repeat: Math.max(1, job.repeat),
    warmup: job.warmup,
    interval_ms: job.interval_ms,
    events: job.events.length === 0 ? undefined : job.events,
  });
  status(job, 'JOB_STATE_RUNNING', 'running');
  logger.info({ job: job.job_id, workload: job.workload, repeat: experiment.repeat }, 'fleet experiment starting');
  try {
    const runs = await session.experiment(experimentSettings(experiment), stop, job.job_id);
    const measured = runs.filter((run) => !run.warmup).length;
    if (stop.aborted) status(job, 'JOB_STATE_FAILED', 'interrupted: the daemon was stopped', measured);
    else status(job, 'JOB_STATE_DONE', `${measured} run(s) recorded`, measured);
  } catch (error) {
    status(job, 'JOB_STATE_FAILED', (error as Error).message);
    logger.error({ job: job.job_id, err: (error as Error).message }, 'fleet experiment failed');
  }
}

async function runScheduled(session: NodeSession, entry: ScheduleEntry, config: DaemonConfig, logger: Logger, stop: AbortSignal): Promise<void> {
  const { repeat, warmup, events, interval_ms, timeout, idle_s } = entry;
  const experiment = experimentOf(config, entry.workload, { repeat, warmup, events, interval_ms, timeout, idle_s });
  logger.info({ workload: entry.workload, repeat: experiment.repeat }, 'scheduled experiment starting');
  try {
    const runs = await session.experiment(experimentSettings(experiment), stop);
    logger.info({ workload: entry.workload, runs: runs.length }, 'scheduled experiment finished');
  } catch (error) {
    // A bad entry (events this node cannot count...) must not stop the daemon: the next one runs.
    logger.error({ workload: entry.workload, err: (error as Error).message }, 'scheduled experiment failed');
  }
}
