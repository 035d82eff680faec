import type { RunConfig } from '../config.js';
import type { ExperimentSettings, SessionSettings } from '../experiment/node-session.js';
import { powerSourceOptions } from '../power/power-sources.js';
import type { PowerSettings } from '../power/power-setup.js';
import type { DeliverySettings } from '../transport/delivery.js';

/**
 * Where the validated, snake_case config (config.ts: flags, file and
 * environment) becomes the small camelCase settings each module takes: no
 * module below the commands sees the config itself.
 */

/** The power settings of run's and probe's config: --power, its timing, and each source's own options. */
export function powerSettings(
  config: Readonly<{ power: readonly string[]; power_period_ms: number; power_timeout: number; sysfs_root: string }>,
): PowerSettings {
  const options = config as unknown as Readonly<Record<string, unknown>>;
  return {
    sources: config.power,
    periodMs: config.power_period_ms,
    timeoutMs: config.power_timeout * 1000,
    sysfsRoot: config.sysfs_root,
    sourceOptions: Object.fromEntries(Object.keys(powerSourceOptions).map((key) => [key, options[key]])),
  };
}

type DeliveryKeys =
  'collector' | 'spool' | 'spool_max_bytes' | 'spool_fsync' | 'retry_max_s' | 'tls_ca' | 'tls_cert' | 'tls_key' | 'tls_server_name' | 'token_file' | 'token';

export function deliverySettings(config: Pick<RunConfig, DeliveryKeys>): DeliverySettings {
  return {
    transport: {
      collector: config.collector,
      tlsCa: config.tls_ca,
      tlsCert: config.tls_cert,
      tlsKey: config.tls_key,
      tlsServerName: config.tls_server_name,
      tokenFile: config.token_file,
      token: config.token,
    },
    spool: config.spool,
    spoolMaxBytes: config.spool_max_bytes,
    spoolFsync: config.spool_fsync,
    retryMaxS: config.retry_max_s,
  };
}

type SessionKeys =
  DeliveryKeys | 'node_id' | 'no_perf' | 'perf_path' | 'workload_user' | 'csv' | 'power' | 'power_period_ms' | 'power_timeout' | 'power_primary' | 'sysfs_root';

/** A node session's settings, from run's config or the daemon's. */
export function sessionSettings(config: Pick<RunConfig, SessionKeys>): SessionSettings {
  return {
    nodeId: config.node_id,
    perfPath: config.no_perf ? undefined : config.perf_path,
    workloadUser: config.workload_user,
    csvDir: config.csv,
    power: powerSettings(config),
    powerPrimary: config.power_primary,
    delivery: deliverySettings(config),
  };
}

/** What one experiment's config says (run's options; a daemon's schedule entry or job sets some over them). */
export type ExperimentConfig = Pick<
  RunConfig,
  | 'command'
  | 'workload'
  | 'repeat'
  | 'warmup'
  | 'max_repeat'
  | 'until_rsd'
  | 'events'
  | 'no_multiplex'
  | 'pmu_counters'
  | 'interval_ms'
  | 'timeout'
  | 'kill_grace'
  | 'items_key'
  | 'sysfs_root'
  | 'idle_s'
  | 'pause_s'
>;

export function experimentSettings(config: ExperimentConfig): ExperimentSettings {
  return {
    command: config.command,
    workload: config.workload,
    repeat: config.repeat,
    warmup: config.warmup,
    maxRepeat: config.max_repeat,
    untilRsdPercent: config.until_rsd,
    events: config.events,
    noMultiplex: config.no_multiplex,
    pmuCounters: config.pmu_counters,
    intervalMs: config.interval_ms,
    timeoutMs: config.timeout * 1000,
    killGraceMs: config.kill_grace * 1000,
    itemsKey: config.items_key,
    sysfsRoot: config.sysfs_root,
    idleS: config.idle_s,
    pauseMs: config.pause_s * 1000,
  };
}
