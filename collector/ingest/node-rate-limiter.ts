import { performance } from 'node:perf_hooks';

/**
 * Records (or stored bytes) per second per node, as a token bucket: a node
 * may burst (a spool draining after an outage) and then goes at the rate.
 * One node's flood is refused with a wait, and the other nodes' batches
 * keep flowing.
 */
export class NodeRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `amount` from the node's bucket: 0 when allowed, else the milliseconds to wait. */
  take(node: string, amount: number): number {
    const now = this.now();
    const bucket = this.buckets.get(node) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(node, bucket);
    // A batch larger than the burst can never fit whole: it waits for a full bucket instead.
    const cost = Math.min(amount, this.burst);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - bucket.tokens) / this.perSecond) * 1000);
  }
}
