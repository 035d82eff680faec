import type { Logger } from 'pino';
import type { PowerSample, PowerSourceStatus } from '../../proto/records.js';
import { PowerSampler } from './power-sampler.js';
import { createPowerSources } from './power-sources.js';

/** What the sampler and its sources need: the sources chosen, their timing, and each source's own options. */
export interface PowerSettings {
  sources: readonly string[];
  periodMs: number;
  timeoutMs: number;
  sysfsRoot: string;
  /** The validated options of every source (ipmi_host, sdr_sensors, ...); each reads its own. */
  sourceOptions: Readonly<Record<string, unknown>>;
}

export function createPowerSampler(
  settings: PowerSettings,
  sinks: { onSamples(samples: PowerSample[]): void; onStatus(status: PowerSourceStatus): void; logger: Logger },
): PowerSampler {
  const sources = createPowerSources(settings.sources, settings.sourceOptions, {
    sysfsRoot: settings.sysfsRoot,
    periodMs: settings.periodMs,
    timeoutMs: settings.timeoutMs,
  });
  return new PowerSampler(sources, { periodMs: settings.periodMs, timeoutMs: settings.timeoutMs, maxBackoffMs: 60_000, maxReadingsPerSource: 200_000 }, sinks);
}
