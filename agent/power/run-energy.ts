import type { SourceEnergy } from '../../proto/records.js';
import type { TimedReading } from './power-sampler.js';

/**
 * Energy over exactly one run's window [startMs, endMs]:
 * - from a cumulative counter (RAPL, hwmon energy), the counter's value
 *   interpolated at both edges, unwrapped, subtracted;
 * - from power readings, the trapezoid rule, with the power at each edge
 *   interpolated between the readings that straddle it.
 * Undefined when the readings do not cover both edges.
 *
 * The uncertainty is an estimate of what sampling cannot see: the power's
 * swing around the window times the sampling interval plus the source's own
 * averaging period (DCMI averages over its sampling period; counters do not).
 */
export interface WindowEnergy {
  energyJoules: number;
  uncertaintyJoules: number;
  samples: number;
}

export function energyOverWindow(readings: readonly TimedReading[], startMs: number, endMs: number): WindowEnergy | undefined {
  const counters = readings.filter((r) => r.energyJoules !== undefined);
  const energy =
    counters.length >= 2
      ? fromCounter(counters, startMs, endMs)
      : fromPower(
          readings.filter((r) => r.watts !== undefined),
          startMs,
          endMs,
        );
  if (energy === undefined) return undefined;
  const gap = gapMs(readings);
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let averagingMs = 0;
  for (const reading of readings) {
    if (reading.watts !== undefined && reading.timeMs >= startMs - gap && reading.timeMs <= endMs + gap) {
      low = Math.min(low, reading.watts);
      high = Math.max(high, reading.watts);
    }
    // A BMC's own averaging window, when it is a plausible one (some report their whole uptime).
    if (reading.samplingPeriodMs !== undefined && reading.samplingPeriodMs < 60_000) averagingMs = Math.max(averagingMs, reading.samplingPeriodMs);
  }
  const swing = high >= low ? high - low : 0;
  return {
    energyJoules: energy,
    uncertaintyJoules: (swing * (gap + averagingMs)) / 1000,
    samples: readings.filter((r) => r.timeMs >= startMs && r.timeMs <= endMs).length,
  };
}

/** Per sensor, and the source's total over its total sensors. */
export function sourceEnergies(
  source: string,
  readings: readonly TimedReading[],
  totalSensors: readonly string[],
  startMs: number,
  endMs: number,
): SourceEnergy[] {
  const bySensor = new Map<string, TimedReading[]>();
  for (const reading of readings) {
    const list = bySensor.get(reading.sensor);
    if (list === undefined) bySensor.set(reading.sensor, [reading]);
    else list.push(reading);
  }
  const energies: SourceEnergy[] = [];
  for (const [sensor, sensorReadings] of bySensor) {
    const energy = energyOverWindow(sensorReadings, startMs, endMs);
    if (energy !== undefined) energies.push(toSourceEnergy(source, sensor, energy, startMs, endMs));
  }
  // Several sensors make the node figure (RAPL packages, both PSUs): their sum is reported as "total".
  const parts = energies.filter((e) => totalSensors.includes(e.sensor));
  if (totalSensors.length > 1 && parts.length === totalSensors.length) {
    const total = parts.reduce(
      (sum, e) => ({
        energyJoules: sum.energyJoules + e.energy_joules,
        uncertaintyJoules: sum.uncertaintyJoules + e.uncertainty_joules,
        samples: Math.max(sum.samples, e.samples),
      }),
      { energyJoules: 0, uncertaintyJoules: 0, samples: 0 },
    );
    energies.push(toSourceEnergy(source, 'total', total, startMs, endMs));
  }
  return energies;
}

function toSourceEnergy(source: string, sensor: string, energy: WindowEnergy, startMs: number, endMs: number): SourceEnergy {
  const seconds = (endMs - startMs) / 1000;
  return {
    source,
    sensor,
    energy_joules: energy.energyJoules,
    avg_watts: seconds > 0 ? energy.energyJoules / seconds : 0,
    uncertainty_joules: energy.uncertaintyJoules,
    samples: energy.samples,
  };
}

function fromCounter(readings: readonly TimedReading[], startMs: number, endMs: number): number | undefined {
  // Unwrap: a counter that went down wrapped at its range.
  let offset = 0;
  const unwrapped = readings.map((reading, i) => {
    const previous = readings[i - 1];
    if (previous !== undefined && reading.energyJoules! < previous.energyJoules!) offset += reading.energyRangeJoules ?? 0;
    return { timeMs: reading.timeMs, value: reading.energyJoules! + offset };
  });
  const atStart = interpolate(unwrapped, startMs);
  const atEnd = interpolate(unwrapped, endMs);
  return atStart === undefined || atEnd === undefined ? undefined : atEnd - atStart;
}

function fromPower(readings: readonly TimedReading[], startMs: number, endMs: number): number | undefined {
  const points = readings.map((r) => ({ timeMs: r.timeMs, value: r.watts! }));
  const atStart = interpolate(points, startMs);
  const atEnd = interpolate(points, endMs);
  if (atStart === undefined || atEnd === undefined) return undefined;
  const inside = [{ timeMs: startMs, value: atStart }, ...points.filter((p) => p.timeMs > startMs && p.timeMs < endMs), { timeMs: endMs, value: atEnd }];
  let joules = 0;
  for (let i = 1; i < inside.length; i++) {
    joules += ((inside[i - 1]!.value + inside[i]!.value) / 2) * ((inside[i]!.timeMs - inside[i - 1]!.timeMs) / 1000);
  }
  return joules;
}

/** The value at timeMs, linear between the points around it; undefined outside them. */
function interpolate(points: ReadonlyArray<{ timeMs: number; value: number }>, timeMs: number): number | undefined {
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1]!;
    const after = points[i]!;
    if (before.timeMs <= timeMs && timeMs <= after.timeMs) {
      if (after.timeMs === before.timeMs) return before.value;
      return before.value + ((after.value - before.value) * (timeMs - before.timeMs)) / (after.timeMs - before.timeMs);
    }
  }
  return points.length === 1 && points[0]!.timeMs === timeMs ? points[0]!.value : undefined;
}

/** The median gap between readings: the sampling interval actually achieved. */
function gapMs(readings: readonly TimedReading[]): number {
  const gaps = readings
    .slice(1)
    .map((r, i) => r.timeMs - readings[i]!.timeMs)
    .sort((a, b) => a - b);
  return gaps.length === 0 ? 0 : gaps[Math.floor(gaps.length / 2)]!;
}

/** The entry standing for the whole node: the one total sensor, or the sum of several. */
export function nodeFigure(energies: readonly SourceEnergy[], totalSensors: readonly string[]): SourceEnergy | undefined {
  if (totalSensors.length === 1) return energies.find((e) => e.sensor === totalSensors[0]);
  return totalSensors.length > 1 ? energies.find((e) => e.sensor === 'total') : undefined;
}
