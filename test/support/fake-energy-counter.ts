import { writeSysfsValue } from './file-tree.js';

export interface CounterSample {
  time_unix_ms: number;
  /** When the read ended: the value it got was written before then. */
  read_ended_unix_ms?: number;
  energy_joules?: number | undefined;
}

/**
 * A RAPL-style energy counter (energy_uj, microjoules, wrapping at a range)
 * written by a timer at a constant power. On a loaded machine the timer
 * runs late and a reader sees an older value than the clock says; so the
 * counter remembers when it wrote each value, and a test compares what the
 * agent computed with what the counter really held when — not with the
 * wall clock.
 */
export class FakeEnergyCounter {
  /** Each value's write times: a wrapping counter holds a value again a range later. */
  private readonly writtenAt = new Map<number, number[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly file: string,
    readonly watts: number,
    private readonly options: { rangeMicrojoules?: number; offsetJoules?: number } = {},
  ) {}

  start(periodMs = 10): this {
    this.write();
    this.timer = setInterval(() => this.write(), periodMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Microjoules since the start at `watts`, from the offset, wrapped at the range. */
  private write(): void {
    const now = Date.now();
    const microjoules =
      Math.round((this.options.offsetJoules ?? 0) * 1e6 + (now - this.startedAt) * this.watts * 1000) %
      (this.options.rangeMicrojoules ?? Number.MAX_SAFE_INTEGER);
    const times = this.writtenAt.get(microjoules) ?? [];
    if (times.at(-1) === undefined || now - times.at(-1)! > 50) times.push(now); // the same value again at once is the same moment
    this.writtenAt.set(microjoules, times);
    writeSysfsValue(this.file, `${microjoules}\n`);
  }

  /** When the value a sample read was written (unix ms): the last time it was, before the read ended. */
  timeOf(sample: CounterSample): number {
    const times = this.writtenAt.get(Math.round((sample.energy_joules ?? Number.NaN) * 1e6)) ?? [];
    const readEnded = sample.read_ended_unix_ms !== undefined && sample.read_ended_unix_ms > 0 ? sample.read_ended_unix_ms : sample.time_unix_ms;
    const at = times.filter((time) => time <= readEnded + 1).at(-1);
    if (at === undefined) throw new Error(`the counter never held ${sample.energy_joules} J before ${readEnded}`);
    return at;
  }

  /** The power the counter really had between two samples, as their timestamps measure it. */
  wattsBetween(previous: CounterSample, next: CounterSample): number {
    return (this.watts * (this.timeOf(next) - this.timeOf(previous))) / (next.time_unix_ms - previous.time_unix_ms);
  }

  /** How far, at most, the samples' timestamps are from when what they read was written (ms). */
  stalenessMs(samples: readonly CounterSample[]): number {
    return Math.max(0, ...samples.map((sample) => Math.abs(sample.time_unix_ms - this.timeOf(sample))));
  }
}
