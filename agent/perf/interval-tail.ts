import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parsePerfStat, type PerfStatRow } from './parse-perf-stat.js';

export interface IntervalRows {
  timeS: number;
  rows: PerfStatRow[];
}

/**
 * Follows the file `perf stat -I N -o FILE` writes and hands over each
 * interval as soon as it is complete, so counters reach the collector while
 * the workload is still running. perf writes an interval's rows in one flush,
 * so an interval is complete when a read ends on a line boundary, or when the
 * next interval begins. Rows without a timestamp (the --summary totals) are
 * kept for the end.
 *
 * Reads are synchronous into one buffer: a regular file's new bytes come from
 * the page cache in microseconds, where a promise read with a fresh 64 KiB
 * buffer each poll cost about a millisecond of the agent's CPU per interval
 * at 10 Hz, most of it garbage collection (measured, `npm run bench`).
 */
export class IntervalTail {
  private fd: number | undefined;
  private readonly buffer = Buffer.allocUnsafe(64 * 1024);
  /** A character split between two reads is decoded whole. */
  private readonly decoder = new StringDecoder('utf8');
  private offset = 0;
  private partial = '';
  private pending: IntervalRows | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly totals: PerfStatRow[] = [];

  constructor(
    private readonly path: string,
    private readonly pollMs: number,
    private readonly onInterval: (interval: IntervalRows) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.readNew(), this.pollMs);
  }

  /** Reads what is left, hands over the last interval, closes the file. */
  async finish(): Promise<void> {
    clearInterval(this.timer);
    this.readNew();
    if (this.partial.trim() !== '') this.take(this.partial);
    this.partial = '';
    if (this.pending !== undefined) this.onInterval(this.pending);
    this.pending = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private readNew(): void {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return; // perf has not created it yet
      }
    }
    for (;;) {
      const bytesRead = readSync(this.fd, this.buffer, 0, this.buffer.length, this.offset);
      if (bytesRead === 0) {
        if (this.partial === '' && this.pending !== undefined) {
          this.onInterval(this.pending);
          this.pending = undefined;
        }
        return;
      }
      this.offset += bytesRead;
      const lines = (this.partial + this.decoder.write(this.buffer.subarray(0, bytesRead))).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) this.take(line);
    }
  }

  private take(line: string): void {
    const parsed = parsePerfStat(line);
    if (!parsed.ok) return;
    for (const row of parsed.rows) {
      if (row.time_s === undefined) {
        this.totals.push(row);
        continue;
      }
      if (this.pending !== undefined && this.pending.timeS !== row.time_s) {
        this.onInterval(this.pending);
        this.pending = undefined;
      }
      this.pending ??= { timeS: row.time_s, rows: [] };
      this.pending.rows.push(row);
    }
  }
}
