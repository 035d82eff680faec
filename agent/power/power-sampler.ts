import type { Logger } from 'pino';
import type { PowerSample, PowerSourceStatus } from '../../proto/records.js';
import type { PowerSource, SensorReading } from './power-source.js';

/** A reading stamped with when it was taken: timeMs is the midpoint of the read. */
export interface TimedReading extends SensorReading {
  source: string;
  timeMs: number;
  startedMs: number;
  endedMs: number;
}

export interface SamplerOptions {
  periodMs: number;
  /** A read still running after this is abandoned (its process killed) and counted. */
  timeoutMs: number;
  /** A failing source is retried no faster than every periodMs, doubling up to this. */
  maxBackoffMs: number;
  /** Readings kept per source for energy integration. */
  maxReadingsPerSource: number;
}

export interface SamplerSinks {
  onSamples(samples: PowerSample[]): void;
  onStatus(status: PowerSourceStatus): void;
  logger: Logger;
}

interface SourceState {
  source: PowerSource;
  up: boolean | undefined;
  sensors: string[];
  readings: TimedReading[];
  previousCounter: Map<string, TimedReading>;
  timeouts: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  waiters: Array<() => void>;
}

/**
 * Samples every power source on its own cadence, together. Each source is
 * probed at start; one that works is read every periodMs, one that fails is
 * retried with backoff, and every change between up and down is reported
 * (PowerSourceStatus). Cumulative counters become watts from successive
 * readings, wraparound included. Readings stay in memory for per-run energy.
 */
export class PowerSampler {
  private readonly states: SourceState[];
  private readonly stopping = new AbortController();

  constructor(
    sources: readonly PowerSource[],
    private readonly options: SamplerOptions,
    private readonly sinks: SamplerSinks,
  ) {
    this.states = sources.map((source) => ({
      source,
      up: undefined,
      sensors: [],
      readings: [],
      previousCounter: new Map(),
      timeouts: 0,
      failures: 0,
      timer: undefined,
      waiters: [],
    }));
  }

  /** Probes every source, starts sampling those that work; resolves with their names. */
  async start(): Promise<string[]> {
    await Promise.all(
      this.states.map(async (state) => {
        const probe = await state.source.probe(AbortSignal.timeout(this.options.timeoutMs * 2));
        if (probe.ok) state.sensors = probe.sensors;
        else state.failures++;
        this.setUp(state, probe.ok, probe.ok ? '' : probe.reason);
        this.schedule(state, probe.ok ? 0 : this.backoffMs(state));
      }),
    );
    // A first reading of every working source, so that the first run's start is covered.
    await this.readingsAfter(0, this.options.timeoutMs);
    return this.upSources();
  }

  upSources(): string[] {
    return this.states.filter((s) => s.up === true).map((s) => s.source.name);
  }

  totalSensors(source: string): string[] {
    const state = this.states.find((s) => s.source.name === source);
    return state === undefined ? [] : state.source.totalSensors(state.sensors);
  }

  readings(source: string): readonly TimedReading[] {
    return this.states.find((s) => s.source.name === source)?.readings ?? [];
  }

  /** Waits until every working source has a reading taken after timeMs, or maxWaitMs passes. */
  async readingsAfter(timeMs: number, maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    await Promise.all(
      this.states
        .filter((state) => state.up === true)
        .map(async (state) => {
          while (state.up === true && (state.readings.at(-1)?.timeMs ?? 0) <= timeMs && Date.now() < deadline) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
              state.waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
        }),
    );
  }

  /** Idempotent. Stops every loop and closes the sources. */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    for (const state of this.states) {
      if (state.timeouts > 0) this.sinks.logger.warn({ source: state.source.name, timeouts: state.timeouts }, 'power reads that hung and were killed');
      clearTimeout(state.timer);
      for (const waiter of state.waiters.splice(0)) waiter();
    }
    await Promise.all(this.states.map((state) => state.source.close()));
  }

  private schedule(state: SourceState, delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    state.timer = setTimeout(() => void this.tick(state), delayMs);
  }

  private async tick(state: SourceState): Promise<void> {
    // A source that is down comes back through its probe, which says why not.
    if (state.up !== true) {
      const probe = await state.source
        .probe(AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.options.timeoutMs * 2)]))
        .catch((error: Error) => ({ ok: false as const, reason: error.message }));
      if (this.stopping.signal.aborted) return;
      if (probe.ok) state.sensors = probe.sensors;
      else state.failures++;
      this.setUp(state, probe.ok, probe.ok ? '' : probe.reason);
      this.schedule(state, probe.ok ? 0 : this.backoffMs(state));
      return;
    }
    const startedMs = Date.now();
    const read = this.readDeadline();
    try {
      // The signal kills a read's process; the race abandons a read that ignores it.
      const readings = await Promise.race([
        state.source.sample(read.signal),
        new Promise<never>((_, reject) =>
          read.signal.addEventListener('abort', () => reject(new Error(`read timed out after ${this.options.timeoutMs / 1000} s`)), { once: true }),
        ),
      ]);
      if (this.stopping.signal.aborted) return;
      const endedMs = Date.now();
      const deactivated = readings.find((r) => r.state === 'deactivated');
      if (deactivated !== undefined) throw new Error('the BMC reports its power reading as deactivated (no valid power)');
      this.accept(state, readings, startedMs, endedMs);
      state.failures = 0;
      this.setUp(state, true, '');
      // Keep the cadence: the next read starts one period after this one started.
      this.schedule(state, Math.max(0, startedMs + this.options.periodMs - Date.now()));
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      if (/did not answer within|timed? ?out|aborted/i.test(message)) state.timeouts++;
      state.failures++;
      this.setUp(state, false, message);
      this.schedule(state, this.backoffMs(state));
    } finally {
      read.clear();
    }
  }

  /**
   * A read's signal: aborted after the read timeout, or when the sampler
   * stops. One controller and one timer, cleared after the read: cheaper,
   * once a second for the agent's whole life, than AbortSignal.any over
   * AbortSignal.timeout, whose signals linger until their timers fire.
   */
  private readDeadline(): { signal: AbortSignal; clear(): void } {
    const controller = new AbortController();
    const stop = (): void => controller.abort(this.stopping.signal.reason);
    const timer = setTimeout(() => controller.abort(new Error('timed out')), this.options.timeoutMs);
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    return {
      signal: controller.signal,
      clear: () => {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', stop);
      },
    };
  }

  private accept(state: SourceState, readings: SensorReading[], startedMs: number, endedMs: number): void {
    const timeMs = Math.round((startedMs + endedMs) / 2);
    const samples: PowerSample[] = [];
    for (const reading of readings) {
      const timed: TimedReading = { ...reading, source: state.source.name, timeMs, startedMs, endedMs };
      if (reading.energyJoules !== undefined) {
        const previous = state.previousCounter.get(reading.sensor);
        state.previousCounter.set(reading.sensor, timed);
        const delta = previous === undefined ? undefined : counterDelta(previous.energyJoules!, reading.energyJoules, reading.energyRangeJoules);
        if (previous !== undefined && delta !== undefined && timeMs > previous.timeMs) timed.watts = delta / ((timeMs - previous.timeMs) / 1000);
      }
      state.readings.push(timed);
      if (timed.watts !== undefined) samples.push(toPowerSample(timed));
    }
    if (state.readings.length > this.options.maxReadingsPerSource) state.readings.splice(0, state.readings.length - this.options.maxReadingsPerSource);
    if (samples.length > 0) this.sinks.onSamples(samples);
    for (const waiter of state.waiters.splice(0)) waiter();
  }

  private setUp(state: SourceState, up: boolean, error: string): void {
    if (state.up === up) return;
    state.up = up;
    if (up) this.sinks.logger.info({ source: state.source.name, sensors: state.sensors }, 'power source up');
    else this.sinks.logger.warn({ source: state.source.name, err: error }, 'power source down');
    this.sinks.onStatus({ source: state.source.name, up, error, time_unix_ms: Date.now(), sensors: state.sensors });
    if (!up) for (const waiter of state.waiters.splice(0)) waiter();
  }

  private backoffMs(state: SourceState): number {
    return Math.min(this.options.maxBackoffMs, this.options.periodMs * 2 ** Math.min(state.failures, 16));
  }
}

/** The energy between two counter readings; a counter that went down wrapped at range. */
export function counterDelta(previousJoules: number, currentJoules: number, rangeJoules: number | undefined): number | undefined {
  if (currentJoules >= previousJoules) return currentJoules - previousJoules;
  if (rangeJoules === undefined) return undefined; // reset, not a wrap we can account for
  return currentJoules + rangeJoules - previousJoules;
}

function toPowerSample(reading: TimedReading): PowerSample {
  return {
    source: reading.source,
    sensor: reading.sensor,
    time_unix_ms: reading.timeMs,
    watts: reading.watts!,
    ...(reading.minWatts === undefined ? {} : { min_watts: reading.minWatts }),
    ...(reading.maxWatts === undefined ? {} : { max_watts: reading.maxWatts }),
    ...(reading.avgWatts === undefined ? {} : { avg_watts: reading.avgWatts }),
    ...(reading.samplingPeriodMs === undefined ? {} : { sampling_period_ms: reading.samplingPeriodMs }),
    state: reading.state ?? '',
    stale: reading.stale ?? false,
    read_started_unix_ms: reading.startedMs,
    read_ended_unix_ms: reading.endedMs,
    ...(reading.energyJoules === undefined ? {} : { energy_joules: reading.energyJoules }),
  };
}
