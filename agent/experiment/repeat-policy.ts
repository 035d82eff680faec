/**
 * How many runs an experiment makes: --warmup runs first (recorded, flagged,
 * left out of statistics), then --repeat runs; with --until-rsd, runs go on
 * past --repeat until the relative standard deviation of the measured runs'
 * durations (and energies, when measured) is below the target, or
 * --max-repeat runs have been measured. perf's -r with a stopping rule.
 */

export interface RepeatOptions {
  warmup: number;
  repeat: number;
  untilRsdPercent?: number;
  maxRepeat: number;
}

/** At least this many measured runs before a standard deviation means anything. */
export const MIN_RUNS_FOR_RSD = 3;

export interface MeasuredRun {
  durationS: number;
  energyJoules?: number;
}

export type NextRun = { kind: 'warmup' | 'measured' } | { kind: 'stop'; reason: string };

export function nextRun(options: RepeatOptions, warmupsDone: number, measured: readonly MeasuredRun[]): NextRun {
  if (warmupsDone < options.warmup) return { kind: 'warmup' };
  const done = measured.length;
  if (options.untilRsdPercent === undefined) {
    return done < options.repeat ? { kind: 'measured' } : { kind: 'stop', reason: `${done} runs done` };
  }
  const minimum = Math.max(options.repeat, MIN_RUNS_FOR_RSD);
  if (done < minimum) return { kind: 'measured' };
  const rsd = worstRsdPercent(measured);
  if (rsd < options.untilRsdPercent) {
    return { kind: 'stop', reason: `relative standard deviation ${rsd.toFixed(2)} % < ${options.untilRsdPercent} % after ${done} runs` };
  }
  if (done >= options.maxRepeat) {
    return {
      kind: 'stop',
      reason: `--max-repeat ${options.maxRepeat} reached with relative standard deviation ${rsd.toFixed(2)} % (target ${options.untilRsdPercent} %)`,
    };
  }
  return { kind: 'measured' };
}

/** The larger RSD of duration and (where every run has it) energy, in percent. */
export function worstRsdPercent(runs: readonly MeasuredRun[]): number {
  const durations = runs.map((run) => run.durationS);
  const energies = runs.map((run) => run.energyJoules);
  const rsds = [relativeStandardDeviationPercent(durations)];
  if (energies.every((e): e is number => e !== undefined)) rsds.push(relativeStandardDeviationPercent(energies));
  return Math.max(...rsds);
}

/** Sample standard deviation over the mean, in percent. */
export function relativeStandardDeviationPercent(values: readonly number[]): number {
  if (values.length < 2) return Number.POSITIVE_INFINITY;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (mean === 0) return Number.POSITIVE_INFINITY;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return (Math.sqrt(variance) / Math.abs(mean)) * 100;
}
