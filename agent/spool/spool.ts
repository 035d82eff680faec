import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Record as RecordInput } from '../../proto/generated/powerprof/v1/Record.js';
import type { EncodedRecord } from '../../proto/encoded-batch.js';
import type { RecordCodec } from '../../proto/record-codec.js';
import type { Record } from '../../proto/records.js';
import { encodeEntry, type EntryClass } from './spool-entry.js';
import { lockSpool, type SpoolLock } from './spool-lock.js';
import { emptySegment, listSegmentNames, readSegment, replaySegment, segmentName, type Segment } from './spool-segment.js';
import { syncDirectory, syncFile } from './durable-file.js';
import { freshState, newEpoch, readState, writeState, type SpoolState } from './spool-state.js';
import type { RecordCheck } from '../../proto/record-check.js';

export interface SpoolOptions {
  /** This node's spool directory (created when missing). */
  directory: string;
  nodeId: string;
  /** The bound on disk; past it the drop policy removes data, and counts it. */
  maxBytes: number;
  /** "runs": run records and node info are synced before append returns, samples by the timer; "always": every append. */
  fsync: 'always' | 'runs';
  /** The longest an appended sample waits for its fsync, unless the collector acknowledges it first. */
  syncIntervalMs: number;
  codec: RecordCodec;
  /** The record rules the collector stores by: a record that breaks one is refused here, alone, and counted. */
  check: RecordCheck;
  logger: Logger;
  now?: () => number;
}

const COMPACT_SUFFIX = '.compact';
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;
const MIN_SEGMENT_BYTES = 4 * 1024;
const DROP_WARNING_INTERVAL_MS = 10_000;

/**
 * The agent's durable spool: a segmented write-ahead log of records, each
 * given the node's next seq as it is appended. Records leave only when the
 * collector has acked them (or, when the spool is full, by the counted drop
 * policy: the oldest samples first, run records last). Reopening replays
 * the segments, cuts a torn tail off, and carries seq on.
 *
 * Seqs are scoped to the spool's epoch (see startNewEpoch()); on the wire they
 * are the spool's own plus seq_offset (zero but in spools from before
 * epochs that found the collector ahead of them).
 */
export class Spool {
  private readonly segments: Segment[] = [];
  private readonly segmentBytes: number;
  private readonly appendListeners: Array<(records: number) => void> = [];
  private fd = -1;
  private nextSeq: number;
  /** Highest seq handed out by read() since the last rewind(). */
  private cursorSeq: number;
  /**
   * Where read() left off (a segment and the offset after the last entry
   * read), so that it goes on from there: the active segment keeps acked
   * entries until it rotates, and scanning them again on every read cost a
   * daemon more each second (a whole 8 MB segment, its checksums included, by its end).
   */
  private cursorHint: { name: string; offset: number; afterSeq: number } | undefined;
  /** Sent but not yet acked: it may be in Redis already, so the drop policy must not count it lost. */
  private inDoubtThrough: number;
  private dirty = false;
  private activeNeedsDirectorySync = false;
  private totalBytes = 0;
  private droppedSinceWarning = 0;
  private lastDropWarning = 0;
  private lastRefusalWarning = 0;
  private readonly syncTimer: NodeJS.Timeout;
  private closed = false;
  private previousWriteUnixMs = 0;
  private pendingOnOpen = 0;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly state: SpoolState,
    private readonly lock: SpoolLock,
  ) {
    this.segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, Math.floor(options.maxBytes / 8)));
    this.nextSeq = state.last_seq + 1;
    this.cursorSeq = state.acked_through;
    this.inDoubtThrough = state.acked_through;
    this.syncTimer = setInterval(() => this.syncIfDirty(), options.syncIntervalMs);
    this.syncTimer.unref();
  }

  /** Opens (or creates) the spool: locks it, replays it, and cuts off a torn tail. */
  static open(options: SpoolOptions): Spool {
    const { directory, nodeId, logger } = options;
    mkdirSync(directory, { recursive: true, mode: 0o750 });
    const lock = lockSpool(directory);
    try {
      const names = listSegmentNames(directory);
      const state = readState(directory) ?? stateForSegments(names, nodeId, (options.now ?? Date.now)(), logger);
      if (state.node_id !== nodeId) {
        throw new Error(`the spool ${directory} belongs to node "${state.node_id}", not "${nodeId}"; give each node id its own --spool`);
      }
      finishCompaction(directory, state, logger);
      const spool = new Spool(options, state, lock);
      spool.replay(names);
      return spool;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Records numbered since the spool was created. */
  get produced(): number {
    return this.nextSeq - 1 - this.state.seq_base;
  }

  /** Records the drop policy removed unsent, since the spool was created. */
  get dropped(): number {
    return this.state.dropped;
  }

  /** Records refused by the record rules before they were numbered, since the spool was created. */
  get refused(): number {
    return this.state.refused;
  }

  /** The spool instance its seqs belong to; 0 for a spool from before epochs, until it needs one. */
  get epoch(): number {
    return this.state.epoch;
  }

  /** The wire seq of the last record numbered. */
  get lastNumberedSeq(): number {
    return this.nextSeq - 1 + this.state.seq_offset;
  }

  /** Bytes cut off torn tails at start, since the spool was created. */
  get tornBytes(): number {
    return this.state.torn_bytes;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The wire seq of the last acked record. */
  get ackedThrough(): number {
    return this.state.acked_through + this.state.seq_offset;
  }

  get directory(): string {
    return this.options.directory;
  }

  /** True while some record waits for an ack. */
  hasPending(): boolean {
    return this.segments.some((segment) => segment.records > 0 && segment.lastSeq > this.state.acked_through);
  }

  /** How many records wait for an ack (reads the segments). */
  countPending(): number {
    let pending = 0;
    for (const segment of this.segments) {
      if (segment.lastSeq <= this.state.acked_through) continue;
      for (const item of readSegment(segment.path, 0, segment.bytes)) {
        if (item.kind === 'entry' && item.entry.seq > this.state.acked_through) pending++;
      }
    }
    return pending;
  }

  /** Whether a run record with this id waits in the spool (decodes the kept entries only). */
  holdsRun(runId: string): boolean {
    for (const segment of this.segments) {
      if (segment.lastSeq <= this.state.acked_through) continue;
      for (const item of readSegment(segment.path, 0, segment.bytes)) {
        if (item.kind !== 'entry' || item.entry.entryClass !== 'keep' || item.entry.seq <= this.state.acked_through) continue;
        if (this.options.codec.decode(item.entry.payload).run?.run_id === runId) return true;
      }
    }
    return false;
  }

  /** Records above the acked seq when the spool was opened (the collector may have some already). */
  get pendingWhenOpened(): number {
    return this.pendingOnOpen;
  }

  /** When the spool was last written before this open (0 for a new one): when its previous agent was last alive. */
  get lastWriteBeforeOpenUnixMs(): number {
    return this.previousWriteUnixMs;
  }

  onAppend(listener: (records: number) => void): void {
    this.appendListeners.push(listener);
  }

  /**
   * Numbers and writes records; run records and node info are on disk when
   * this returns. A record that breaks the record rules is refused alone
   * (logged, counted, never numbered): the collector would refuse it too.
   */
  append(records: readonly RecordInput[]): void {
    if (this.closed) throw new Error('the spool is closed');
    const entries: Buffer[] = [];
    let keep = false;
    let samples = 0;
    const firstSeq = this.nextSeq;
    for (const record of records) {
      const payload = this.options.codec.encode(record);
      const problem = this.options.check(payload);
      if (problem !== undefined) {
        this.refuse(problem.message);
        continue;
      }
      const entryClass = classOf(record);
      if (entryClass === 'keep') keep = true;
      else samples++;
      entries.push(encodeEntry(this.nextSeq++, entryClass, payload));
    }
    if (entries.length === 0) return;
    const bytes = entries.reduce((sum, entry) => sum + entry.length, 0);
    if (!this.makeRoom(bytes)) {
      this.countDropped(entries.length);
      this.persistState();
      this.options.logger.error(
        { records: entries.length, bytes, maxBytes: this.options.maxBytes },
        'records larger than the whole spool: dropped and counted',
      );
      return;
    }
    if (this.active.bytes > 0 && this.active.bytes + bytes > this.segmentBytes) this.rotate(firstSeq);
    writeAll(this.fd, Buffer.concat(entries, bytes));
    const active = this.active;
    active.bytes += bytes;
    active.records += entries.length;
    active.samples += samples;
    active.lastSeq = this.nextSeq - 1;
    this.totalBytes += bytes;
    this.dirty = true;
    if (keep || this.options.fsync === 'always') this.syncIfDirty();
    for (const listener of this.appendListeners) listener(entries.length);
  }

  /** read(), decoded: the records as objects, each with its wire seq. */
  read(maxRecords: number, maxBytes: number): Record[] {
    return this.readEncoded(maxRecords, maxBytes).map(({ seq, payload }) => ({ ...this.options.codec.decode(payload), seq }));
  }

  /**
   * The next records after the last read, oldest first, up to maxRecords and
   * (beyond the first) maxBytes of spool entries, each its protobuf bytes
   * as spooled and its wire seq: what the shipper sends as they are.
   */
  readEncoded(maxRecords: number, maxBytes: number): EncodedRecord[] {
    const records: EncodedRecord[] = [];
    let bytes = 0;
    const after = Math.max(this.cursorSeq, this.state.acked_through);
    if (after >= this.nextSeq - 1) return records; // nothing new: no file to open
    const hint = this.cursorHint?.afterSeq === after ? this.cursorHint : undefined;
    let index = hint === undefined ? 0 : this.segments.findIndex((segment) => segment.name === hint.name);
    let offset = hint === undefined || index === -1 ? 0 : hint.offset;
    if (index === -1) index = 0;
    for (; index < this.segments.length; index++, offset = 0) {
      const segment = this.segments[index]!;
      if (segment.lastSeq <= after) continue;
      for (const item of readSegment(segment.path, offset, segment.bytes)) {
        if (item.kind === 'end') {
          if (item.damaged !== undefined)
            this.options.logger.error(
              { segment: segment.path, offset: item.offset, damage: item.damaged },
              'spool segment damaged after it was opened; skipping the rest of it',
            );
          else this.cursorHint = { name: segment.name, offset: item.offset, afterSeq: this.cursorSeq };
          break;
        }
        const { entry } = item;
        if (entry.seq <= after) continue;
        if (records.length >= maxRecords || (records.length > 0 && bytes + entry.size > maxBytes)) {
          this.cursorHint = { name: segment.name, offset: entry.offset, afterSeq: this.cursorSeq };
          return records;
        }
        records.push({ seq: entry.seq + this.state.seq_offset, payload: entry.payload });
        bytes += entry.size;
        this.cursorSeq = entry.seq;
        this.inDoubtThrough = Math.max(this.inDoubtThrough, entry.seq);
      }
    }
    // The hint stands only for the cursor it was taken at: one read past it (another segment's end) or none.
    if (this.cursorHint?.afterSeq !== this.cursorSeq) this.cursorHint = undefined;
    return records;
  }

  /** The collector acked every record up to this wire seq: it may leave the spool. */
  acknowledge(wireSeq: number): void {
    const seq = Math.min(wireSeq - this.state.seq_offset, this.nextSeq - 1);
    if (seq <= this.state.acked_through) return;
    this.state.acked_through = seq;
    this.cursorSeq = Math.max(this.cursorSeq, seq);
    const done = this.segments.slice(0, -1).filter((segment) => segment.records === 0 || segment.lastSeq <= seq);
    if (done.length === 0) return;
    this.persistState();
    for (const segment of done) this.removeSegment(segment);
  }

  /** Whether this epoch has acks of its own (not just the floor it started from). */
  get ackedInThisEpoch(): boolean {
    return this.state.acked_through > Math.max(this.state.seq_base, this.state.epoch_began_after);
  }

  /**
   * Scopes this spool's seqs afresh: the collector's mark for the old epoch
   * is beyond anything this spool numbered, so the old scope cannot tell
   * this spool's new records from ones written before. (A batch that was
   * in flight when that happened may be written once more.)
   */
  startNewEpoch(collectorLastSeq: number): void {
    const previous = this.state.epoch;
    this.state.epoch = newEpoch();
    this.state.epoch_began_after = this.state.acked_through;
    this.state.seq_offset = 0;
    this.persistState();
    this.rewind();
    this.options.logger.warn(
      { collectorLastSeq, spoolLastSeq: this.nextSeq - 1, previousEpoch: previous, epoch: this.state.epoch },
      "the collector's mark for this spool is beyond anything it numbered (a forged or buggy batch, a spool restored from a copy, or one from before epochs): starting a new epoch",
    );
  }

  /** Forget what was read and not acked: read() starts again after the last ack. */
  rewind(): void {
    this.cursorSeq = this.state.acked_through;
    this.inDoubtThrough = this.state.acked_through;
    this.cursorHint = undefined;
  }

  /** Syncs, saves the state and unlocks. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    this.syncIfDirty();
    closeSync(this.fd);
    this.persistState();
    this.lock.release();
  }

  private get active(): Segment {
    return this.segments.at(-1)!;
  }

  private replay(names: string[]): void {
    let tornBytes = 0;
    let resume: { name: string; offset: number } | undefined;
    for (const name of names) {
      const path = join(this.options.directory, name);
      const stat = statSync(path);
      this.previousWriteUnixMs = Math.max(this.previousWriteUnixMs, stat.mtimeMs);
      const replayed = replaySegment(this.options.directory, name, stat.size, this.state.acked_through);
      this.pendingOnOpen += replayed.pending;
      if (replayed.tornBytes > 0) {
        tornBytes += replayed.tornBytes;
        this.options.logger.warn(
          { segment: path, cutBytes: replayed.tornBytes, damage: replayed.damage },
          'spool segment had a torn tail (a crash during a write); cut it off',
        );
      }
      // Reading starts where the first unacked entry does, not at the start of what was acked before.
      if (resume === undefined && replayed.pending > 0) resume = { name, offset: replayed.ackedEnd };
      this.segments.push(replayed.segment);
      this.totalBytes += replayed.segment.bytes;
      this.nextSeq = Math.max(this.nextSeq, replayed.segment.lastSeq + 1);
    }
    this.state.torn_bytes += tornBytes;
    // Acked or empty segments before the last one are of no more use.
    for (const segment of this.segments.slice(0, -1)) {
      if (segment.records === 0 || segment.lastSeq <= this.state.acked_through) this.removeSegment(segment);
    }
    if (this.segments.length === 0) this.createSegment(this.nextSeq);
    else this.fd = openSync(this.active.path, 'a');
    resume ??= { name: this.active.name, offset: this.active.bytes };
    this.cursorHint = { ...resume, afterSeq: this.cursorSeq };
    this.persistState();
    if (this.pendingOnOpen > 0)
      this.options.logger.info(
        { spool: this.options.directory, pending: this.pendingOnOpen },
        'spool holds records not known to be delivered; sending them first',
      );
  }

  private createSegment(firstSeq: number): void {
    const segment = emptySegment(this.options.directory, segmentName(firstSeq));
    this.fd = openSync(segment.path, 'a', 0o640);
    this.segments.push(segment);
    this.activeNeedsDirectorySync = true;
  }

  private rotate(firstSeq: number): void {
    this.syncIfDirty();
    closeSync(this.fd);
    this.createSegment(firstSeq);
  }

  private syncIfDirty(): void {
    if (this.fd === -1) return;
    if (this.dirty) {
      // What the collector has acknowledged is safe there: syncing it here would be work for nothing (at 1 Hz, a
      // fdatasync a second was a tenth of the agent's CPU beside a workload).
      if (this.state.acked_through < this.active.lastSeq) fdatasyncSync(this.fd);
      this.dirty = false;
    }
    if (this.activeNeedsDirectorySync) {
      syncDirectory(this.options.directory);
      this.activeNeedsDirectorySync = false;
    }
  }

  private removeSegment(segment: Segment): void {
    unlinkSync(segment.path);
    this.segments.splice(this.segments.indexOf(segment), 1);
    this.totalBytes -= segment.bytes;
  }

  private persistState(): void {
    this.state.last_seq = this.nextSeq - 1;
    writeState(this.options.directory, this.state);
  }

  /**
   * Makes room for `incoming` bytes: first the oldest samples go (segment by
   * segment, oldest first), then, only if that is not enough, whole oldest
   * segments with their run records. Every record removed unsent is counted.
   */
  private makeRoom(incoming: number): boolean {
    const fits = (): boolean => this.totalBytes + incoming <= this.options.maxBytes;
    if (fits()) return true;
    if (incoming > this.options.maxBytes) return false;
    for (const segment of [...this.segments]) {
      if (fits()) break;
      if (segment.samples > 0 || segment.lastSeq <= this.state.acked_through) this.compact(segment);
    }
    while (!fits() && this.segments.length > 1) this.dropSegment(this.segments[0]!);
    if (!fits()) this.compact(this.active);
    return fits();
  }

  /** Rewrites a segment without its acked records and its unsent samples (counted as dropped). */
  private compact(segment: Segment): void {
    const kept: Buffer[] = [];
    let dropped = 0;
    let lastSeq = 0;
    for (const item of readSegment(segment.path, 0, segment.bytes)) {
      if (item.kind === 'end') break;
      const { entry } = item;
      if (entry.seq <= this.state.acked_through) continue;
      if (entry.entryClass === 'sample' && entry.seq > this.inDoubtThrough) {
        dropped++;
        continue;
      }
      kept.push(encodeEntry(entry.seq, entry.entryClass, entry.payload));
      lastSeq = entry.seq;
    }
    const keptBytes = kept.reduce((sum, entry) => sum + entry.length, 0);
    if (keptBytes === segment.bytes) {
      segment.samples = 0; // all of them in flight: not droppable now
      return;
    }
    const isActive = segment === this.active;
    if (isActive) {
      this.syncIfDirty();
      closeSync(this.fd);
      this.fd = -1;
    }
    const rewritten = `${segment.path}${COMPACT_SUFFIX}`;
    writeFileSync(rewritten, Buffer.concat(kept, keptBytes), { mode: 0o640 });
    syncFile(rewritten);
    // The count and the intent are durable before the swap: a crash in between is finished at the next open.
    this.countDropped(dropped);
    this.state.compacting = segment.name;
    this.persistState();
    renameSync(rewritten, segment.path);
    syncDirectory(this.options.directory);
    delete this.state.compacting;
    this.totalBytes += keptBytes - segment.bytes;
    // Samples still kept are in flight: not droppable until the next ack or reconnect settles them.
    Object.assign(segment, { bytes: keptBytes, records: kept.length, samples: 0, lastSeq: kept.length === 0 ? segment.lastSeq : lastSeq });
    this.cursorHint = undefined;
    if (isActive) this.fd = openSync(segment.path, 'a');
  }

  /** The last resort: a whole segment goes, run records included. */
  private dropSegment(segment: Segment): void {
    let dropped = 0;
    for (const item of readSegment(segment.path, 0, segment.bytes)) {
      if (item.kind === 'entry' && item.entry.seq > this.state.acked_through) dropped++;
    }
    this.countDropped(dropped);
    this.persistState();
    this.removeSegment(segment);
    this.cursorHint = undefined;
    if (dropped > 0)
      this.options.logger.error({ segment: segment.path, dropped }, 'spool full of run records: dropped its oldest segment, run records included');
  }

  private refuse(message: string): void {
    this.state.refused++;
    this.persistState();
    const now = Date.now();
    if (now - this.lastRefusalWarning < DROP_WARNING_INTERVAL_MS) return;
    this.lastRefusalWarning = now;
    this.options.logger.error(
      { err: message, refusedTotal: this.state.refused },
      'a record breaks the record rules: refused before spooling (the collector would refuse it too); counted',
    );
  }

  private countDropped(count: number): void {
    if (count === 0) return;
    this.state.dropped += count;
    this.droppedSinceWarning += count;
    const now = Date.now();
    if (now - this.lastDropWarning >= DROP_WARNING_INTERVAL_MS) {
      this.options.logger.warn(
        { dropped: this.droppedSinceWarning, droppedTotal: this.state.dropped, maxBytes: this.options.maxBytes, spool: this.options.directory },
        'spool full (the collector has not taken records for a while): dropped the oldest samples; raise --spool-max-bytes to keep more',
      );
      this.lastDropWarning = now;
      this.droppedSinceWarning = 0;
    }
  }
}

/**
 * Samples (power readings, counter intervals) go first when the spool is
 * full; node info, run records and power source status changes (rare, and
 * what alerts are made of) are kept longest.
 */
function classOf(record: RecordInput): EntryClass {
  return record.power_sample != null || record.counter_interval != null ? 'sample' : 'keep';
}

function writeAll(fd: number, buffer: Buffer): void {
  let written = 0;
  while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
}

/**
 * A new spool's state; or, for segments whose state.json is gone, one that
 * keeps them: seqs restart below their first (each segment is named by the
 * first seq it was given), so nothing in them is taken for acked.
 */
function stateForSegments(names: string[], nodeId: string, nowUnixMs: number, logger: Logger): SpoolState {
  const state = freshState(nodeId, nowUnixMs);
  if (names.length === 0) return state;
  const below = Number(names[0]!.slice(0, 20)) - 1;
  logger.warn({ segments: names.length }, 'spool state.json is missing: rebuilt from the segments (the produced and dropped counts restart)');
  return { ...state, seq_base: below, last_seq: below, acked_through: below };
}

/** A compaction cut short by a crash: finish it if its count was saved, else undo it. */
function finishCompaction(directory: string, state: SpoolState, logger: Logger): void {
  for (const name of readdirSync(directory).filter((file) => file.endsWith(`.wal${COMPACT_SUFFIX}`))) {
    const target = name.slice(0, -COMPACT_SUFFIX.length);
    if (state.compacting === target && existsSync(join(directory, target))) {
      renameSync(join(directory, name), join(directory, target));
      logger.info({ segment: target }, 'finished a spool compaction a crash interrupted');
    } else unlinkSync(join(directory, name));
  }
  delete state.compacting;
}
