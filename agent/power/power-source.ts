/**
 * A way to read power on a node. Each source is one small module with a
 * factory, a probe that says whether it works here and, if not, why (with
 * the fix), and sample(). Sources never register themselves: the registry
 * lists them by name.
 */

export type Probe = { ok: true; sensors: string[] } | { ok: false; reason: string };

/** One sensor's reading, as the source saw it. The sampler stamps the time. */
export interface SensorReading {
  sensor: string;
  /** Instantaneous power. Absent for a cumulative counter, whose watts come from successive readings. */
  watts?: number;
  /** A cumulative energy counter (RAPL, hwmon energy*_input), in joules. */
  energyJoules?: number;
  /** Where the counter wraps around, in joules. */
  energyRangeJoules?: number;
  minWatts?: number;
  maxWatts?: number;
  avgWatts?: number;
  /** The source's own averaging window (DCMI's sampling period), when it has one. */
  samplingPeriodMs?: number;
  /** "activated"/"deactivated" (DCMI). A deactivated reading has no valid power. */
  state?: string;
  /** The BMC's timestamp did not move: the value may be old. */
  stale?: boolean;
}

export interface PowerSource {
  readonly name: string;
  probe(signal: AbortSignal): Promise<Probe>;
  sample(signal: AbortSignal): Promise<SensorReading[]>;
  /**
   * Sensors whose sum is the node-level figure this source stands for, from
   * those it reads (RAPL: the packages, not psys which contains them).
   */
  totalSensors(sensors: readonly string[]): string[];
  /** Idempotent; for sources that keep a process open. */
  close(): Promise<void>;
}

/** A source's failure: one sentence quoting the tool, and the fix where there is one. */
export class SourceError extends Error {
  readonly code = 'SOURCE';
}
