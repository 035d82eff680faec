import type { ScheduleEntry } from '../config.js';

/** When each scheduled experiment is next due; one runs at a time, the most overdue first. */
export class Schedule {
  private readonly due = new Map<ScheduleEntry, number>();

  constructor(entries: readonly ScheduleEntry[], nowMs: number) {
    for (const entry of entries) this.due.set(entry, nowMs + (entry.first_after_s ?? entry.every_s) * 1000);
  }

  /** The entry due first, and when. */
  next(): { entry: ScheduleEntry; atMs: number } | undefined {
    let next: { entry: ScheduleEntry; atMs: number } | undefined;
    for (const [entry, atMs] of this.due) if (next === undefined || atMs < next.atMs) next = { entry, atMs };
    return next;
  }

  /** The entry ran (or failed): next time is a full period after it ended. */
  done(entry: ScheduleEntry, nowMs: number): void {
    this.due.set(entry, nowMs + entry.every_s * 1000);
  }
}
