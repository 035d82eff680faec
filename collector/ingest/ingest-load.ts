/**
 * What the collector as a whole holds unwritten, across every Push stream:
 * records (past --max-inflight-records, new batches are answered
 * RESOURCE_EXHAUSTED with a wait) and bytes, the batches as received and
 * their records as the JSON being written (past --max-inflight-bytes, every
 * stream is paused together — HTTP/2 flow control then holds all senders —
 * and resumed together once half of it is written). Each stream also bounds
 * its own waiting batches; a stream runs only while neither holds it.
 */
export interface PausableStream {
  pause(): void;
  resume(): void;
}

export class IngestLoad {
  records = 0;
  bytes = 0;
  private readonly streams = new Map<PausableStream, { own: boolean }>();
  private held = false;

  constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
  ) {}

  get overloaded(): boolean {
    return this.records > this.maxRecords;
  }

  register(stream: PausableStream): void {
    this.streams.set(stream, { own: false });
    if (this.held) stream.pause();
  }

  unregister(stream: PausableStream): void {
    this.streams.delete(stream);
  }

  /** The stream's own bound says hold (true) or go (false). */
  holdOwn(stream: PausableStream, hold: boolean): void {
    const state = this.streams.get(stream);
    if (state === undefined || state.own === hold) return;
    state.own = hold;
    if (hold && !this.held) stream.pause();
    if (!hold && !this.held) stream.resume();
  }

  add(records: number, bytes: number): void {
    this.records += records;
    this.bytes += bytes;
    if (!this.held && this.bytes > this.maxBytes) {
      this.held = true;
      for (const [stream, state] of this.streams) if (!state.own) stream.pause();
    }
  }

  remove(records: number, bytes: number): void {
    this.records -= records;
    this.bytes -= bytes;
    if (this.held && this.bytes <= this.maxBytes / 2) {
      this.held = false;
      for (const [stream, state] of this.streams) if (!state.own) stream.resume();
    }
  }
}
