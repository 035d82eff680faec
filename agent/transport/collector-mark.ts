import type { Logger } from 'pino';
import type { Spool } from '../spool/spool.js';

/**
 * The collector's mark: the last seq it applied for this node and spool
 * epoch, which Hello returns and each ack repeats. Records up to it are
 * acked, and reading starts again after it. A mark beyond everything this
 * spool has numbered did not come from this spool (a forged or buggy batch,
 * a spool restored from an old copy, or one from before epochs): the spool
 * starts a new epoch, and its records go afresh there instead of being
 * taken for ones already written. A mark behind what this spool had acked
 * means the collector lost data; behind a new spool's first seq (which
 * starts at the clock), it has simply not seen these records yet.
 */
export function takeCollectorMark(spool: Spool, mark: number, logger: Logger): void {
  if (isForeignMark(spool, mark)) {
    spool.startNewEpoch(mark);
  } else if (mark < spool.ackedThrough && spool.ackedInThisEpoch) {
    logger.warn(
      { collectorLastSeq: mark, ackedThrough: spool.ackedThrough },
      'the collector is behind records it acked before: its Redis lost acked data (restored from an older copy?)',
    );
  } else {
    spool.acknowledge(mark);
  }
  spool.rewind();
}

/** A mark this spool cannot have made: beyond anything it numbered. */
export function isForeignMark(spool: Spool, mark: number): boolean {
  return mark > spool.lastNumberedSeq;
}
