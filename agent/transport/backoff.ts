/**
 * How long to wait before trying again: capped exponential backoff with
 * jitter (between half and all of the cap, so that agents that lost the same
 * collector do not come back in step), never shorter than a wait the other
 * side asked for.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The wait before the next try; counts a failure. */
  next(atLeastMs = 0): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.max(atLeastMs, Math.round(ceiling * (0.5 + Math.random() / 2)));
  }

  /** A try went through: the next failure starts from the initial wait. */
  reset(): void {
    this.failures = 0;
  }
}
