import { open, type FileHandle } from 'node:fs/promises';
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
 */
export class IntervalTail {
  private handle: FileHandle | undefined;
  private offset = 0;
  private partial = '';
  private pending: IntervalRows | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  readonly totals: PerfStatRow[] = [];

  constructor(
    private readonly path: string,
    private readonly pollMs: number,
    private readonly onInterval: (interval: IntervalRows) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() => this.readNew());
    }, this.pollMs);
  }

  /** Reads what is left, hands over the last interval, closes the file. */
  async finish(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    await this.readNew();
    if (this.partial.trim() !== '') this.take(this.partial);
    this.partial = '';
    if (this.pending !== undefined) this.onInterval(this.pending);
    this.pending = undefined;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async readNew(): Promise<void> {
    if (this.handle === undefined) {
      try {
        this.handle = await open(this.path, 'r');
      } catch {
        return; // perf has not created it yet
      }
    }
    for (;;) {
      const buffer = Buffer.alloc(64 * 1024);
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.offset);
      if (bytesRead === 0) {
        if (this.partial === '' && this.pending !== undefined) {
          this.onInterval(this.pending);
          this.pending = undefined;
        }
        return;
      }
      this.offset += bytesRead;
      const lines = (this.partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
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
