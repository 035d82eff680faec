import type { Logger } from 'pino';
import type { RunRecord, SourceEnergy } from '../../proto/records.js';
import type { PowerSampler } from './power-sampler.js';
import { primaryOrder } from './power-sources.js';
import { nodeFigure, sourceEnergies } from './run-energy.js';

export type RunEnergy = Pick<RunRecord, 'source_energies' | 'energy_source'> &
  Partial<Pick<RunRecord, 'energy_joules' | 'avg_watts' | 'idle_watts' | 'dynamic_energy_joules' | 'joules_per_item' | 'energy_uncertainty_joules'>>;

/**
 * Energy for an experiment: the idle baseline before the first run and
 * after the last (--idle-s), and each run's energy per source over exactly
 * its window, the primary source's figure in the run's own columns.
 */
export class PowerMeasurement {
  private idleWatts: number | undefined;

  constructor(
    private readonly sampler: PowerSampler,
    private readonly options: { primary: string | undefined; idleS: number; settleMs: number },
    private readonly logger: Logger,
  ) {}

  /** Samples an idle window; returns the primary source's mean power over it. */
  async measureIdle(when: 'before' | 'after', interrupt: AbortSignal): Promise<number | undefined> {
    const primary = this.primarySource();
    if (this.options.idleS <= 0 || primary === undefined) return undefined;
    const startMs = Date.now();
    await sleep(this.options.idleS * 1000, interrupt);
    const endMs = Date.now();
    await this.sampler.readingsAfter(endMs, this.options.settleMs);
    const figure = nodeFigure(
      sourceEnergies(primary, this.sampler.readings(primary), this.sampler.totalSensors(primary), startMs, endMs),
      this.sampler.totalSensors(primary),
    );
    const watts = figure === undefined ? undefined : figure.avg_watts;
    if (when === 'before') this.idleWatts = watts;
    this.logger.info({ when, source: primary, idleWatts: watts, seconds: (endMs - startMs) / 1000 }, 'idle power measured');
    return watts;
  }

  async runEnergy(startMs: number, endMs: number, items: number | undefined): Promise<RunEnergy> {
    // The reading after the window closes the trapezoid (or the counter difference) at the end.
    await this.sampler.readingsAfter(endMs, this.options.settleMs);
    const energies: SourceEnergy[] = [];
    for (const source of this.sampler.upSources()) {
      energies.push(...sourceEnergies(source, this.sampler.readings(source), this.sampler.totalSensors(source), startMs, endMs));
    }
    const primary = this.primarySource();
    const figure =
      primary === undefined
        ? undefined
        : nodeFigure(
            energies.filter((e) => e.source === primary),
            this.sampler.totalSensors(primary),
          );
    if (primary === undefined || figure === undefined) return { source_energies: energies, energy_source: '' };
    const seconds = (endMs - startMs) / 1000;
    const result: RunEnergy = {
      source_energies: energies,
      energy_source: `${primary}/${figure.sensor}`,
      energy_joules: figure.energy_joules,
      avg_watts: figure.avg_watts,
      energy_uncertainty_joules: figure.uncertainty_joules,
    };
    if (this.idleWatts !== undefined) {
      result.idle_watts = this.idleWatts;
      result.dynamic_energy_joules = figure.energy_joules - this.idleWatts * seconds;
    }
    if (items !== undefined && items > 0) result.joules_per_item = figure.energy_joules / items;
    return result;
  }

  private primarySource(): string | undefined {
    const up = this.sampler.upSources();
    if (this.options.primary !== undefined) return up.includes(this.options.primary) ? this.options.primary : undefined;
    // Closest to the wall first: the primary source fills a run's unprefixed energy columns.
    return primaryOrder.find((source) => up.includes(source) && this.sampler.totalSensors(source).length > 0);
  }
}

function sleep(ms: number, interrupt: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    interrupt.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
