import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { repositoryRoot } from '../../proto/repository-root.js';
import { writeHistoryFile, removeTemporaries } from '../history/durable-history-file.js';
import { tableNamed } from '../history/history-tables.js';
import type { HistoryTable, StreamRange } from '../history/history-layout.js';
import { encodeTableFile } from '../history/parquet-table-file.js';
import type { RedisClient } from '../queue/redis-connection.js';
import type { RedisKeys } from '../queue/redis-keys.js';
import { decodeRawEntry, type RawEntry } from '../queue/stream-entry.js';
import { NodeBatch, nextStreamId } from './node-batch.js';

export interface SinkSettings {
  /** The history's root folder. */
  dir: string;
  /** This sink's name in the consumer group. */
  consumer: string;
  group: string;
  /** The most records a batch (and so a file) takes. */
  batchRecords: number;
  /** A node's records wait at most this long (plus a poll) before they are written, however few. */
  flushIntervalMs: number;
  leaseMs: number;
  pollMs: number;
  /**
   * This sink's place among the sinks of one process (its worker threads):
   * each starts its passes at its own share of the nodes, so that the leases
   * split them from the first pass on.
   */
  place?: { index: number; of: number };
}

/** What a sink reports as it goes: to SinkMetrics, or from a worker thread to it. */
export interface SinkObserver {
  batchWritten(rowsByTable: ReadonlyMap<HistoryTable, number>, files: number, bytes: number, redone: boolean): void;
  passFailed(): void;
  trimmedBeforeRead(): void;
  /** Every node's backlog, measured at the end of each pass (XLEN of each stream). */
  backlogMeasured?(records: number): void;
}

export interface SinkPass {
  records: number;
  files: number;
}

type NextBatchReply = ['lost'] | ['wait'] | ['redo', string] | ['read', string];
type Scripted = {
  powerprofSinkLease(lease: string, token: string, leaseMs: number): Promise<number>;
  powerprofSinkNextBatch(lease: string, stream: string, token: string, group: string, count: number, oldestBeforeMs: number): Promise<NextBatchReply>;
  powerprofSinkAckBatch(lease: string, stream: string, token: string, group: string, last: string, above: string): Promise<[number, number]>;
};

const script = (name: string): string => readFileSync(join(repositoryRoot, 'collector/sink', name), 'utf8');
/** Batches one node may write in one pass before the other nodes get their turn. */
const BATCHES_PER_NODE_PASS = 8;
const REDO_PAGE = 5_000;
const NODES_AT_ONCE = 3;

/**
 * Drains every node's stream into the Parquet history. Per node, one sink at
 * a time (a lease) reads through the consumer group, so a batch is a
 * contiguous range of the stream; its files are written durably, and only
 * then is the batch acknowledged and trimmed. A sink that dies leaves its
 * batch pending in the group: the next one (itself, restarted, or another)
 * writes the same range again under the same names, keeping files that are
 * already whole, so every record ends up in the history exactly once. A disk
 * that fails or is full stops acknowledging; nothing leaves Redis unwritten.
 */
export class HistorySink {
  private readonly groupsMade = new Set<string>();
  private readonly held = new Set<string>();
  private readonly reportedLoss = new Map<string, string>();
  private stopped = false;
  /**
   * This process's lease token: the consumer name and a random part, so that
   * two processes started with one name (the host's, by default) never both
   * hold a node. A restarted sink waits out its predecessor's lease.
   */
  private readonly token: string;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly settings: SinkSettings,
    private readonly logger: Logger,
    private readonly observer?: SinkObserver,
  ) {
    this.token = `${settings.consumer}/${randomBytes(6).toString('hex')}`;
    redis.defineCommand('powerprofSinkLease', { numberOfKeys: 1, lua: script('sink-lease.lua') });
    redis.defineCommand('powerprofSinkNextBatch', { numberOfKeys: 2, lua: script('sink-next-batch.lua') });
    redis.defineCommand('powerprofSinkAckBatch', { numberOfKeys: 2, lua: script('sink-ack-batch.lua') });
  }

  private get scripted(): Scripted {
    return this.redis as unknown as Scripted;
  }

  /** One pass over every node: what is ready is written and acknowledged. */
  async pass(nowMs = Date.now()): Promise<SinkPass> {
    const total: SinkPass = { records: 0, files: 0 };
    const all = (await this.redis.smembers(this.keys.nodes)).sort();
    const { index, of } = this.settings.place ?? { index: 0, of: 1 };
    const first = Math.floor((all.length * index) / of);
    const nodes = [...all.slice(first), ...all.slice(0, first)];
    const failures: unknown[] = [];
    // A few nodes at once, so that one node's batch is encoded and written while another's is read from Redis.
    // A node that fails (its partition on a full disk) does not hold the others up; the pass then fails.
    const worker = async (): Promise<void> => {
      for (let node = nodes.shift(); node !== undefined && !this.stopped; node = nodes.shift()) {
        try {
          const done = await this.sinkNode(node, nowMs);
          total.records += done.records;
          total.files += done.files;
        } catch (error) {
          // A Redis that restarted empty (no append-only file) has lost the groups: make them again next pass.
          if (String(error).includes('NOGROUP')) this.groupsMade.clear();
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: NODES_AT_ONCE }, worker));
    if (failures.length > 0) throw failures[0];
    if (this.observer?.backlogMeasured !== undefined) await this.measureBacklog(all);
    return total;
  }

  /** Passes until shutdown(); a failing pass (Redis away, disk full) is logged and tried again, less often. */
  start(): void {
    this.running ??= this.loop();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    for (const node of this.held) await this.scripted.powerprofSinkLease(this.keys.sinkLease(node), this.token, 0).catch(() => 0);
    this.held.clear();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let waitMs = this.settings.pollMs;
      try {
        // A backlog is drained without pausing between passes.
        if ((await this.pass()).records > 0) waitMs = 0;
        failures = 0;
      } catch (error) {
        failures++;
        this.observer?.passFailed();
        waitMs = Math.min(60_000, this.settings.pollMs * 2 ** Math.min(failures, 16));
        this.logger.error({ err: error, retry_in_ms: waitMs }, 'history sink pass failed; what was not written stays in Redis');
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async sinkNode(node: string, nowMs: number): Promise<SinkPass> {
    const done: SinkPass = { records: 0, files: 0 };
    const lease = this.keys.sinkLease(node);
    const stream = this.keys.records(node);
    if ((await this.scripted.powerprofSinkLease(lease, this.token, this.settings.leaseMs)) !== 1) {
      this.held.delete(node);
      return done;
    }
    this.held.add(node);
    await this.makeGroup(stream);
    for (let batch = 0; batch < BATCHES_PER_NODE_PASS && !this.stopped; batch++) {
      const { batchRecords, consumer, group, flushIntervalMs } = this.settings;
      const next = await this.scripted.powerprofSinkNextBatch(lease, stream, this.token, group, batchRecords, nowMs - flushIntervalMs);
      if (next[0] === 'wait' || next[0] === 'lost') break;
      let range: StreamRange;
      const batchOfNode = new NodeBatch(this.settings.dir, node);
      if (next[0] === 'redo') {
        const ids = await this.pendingOf(stream, next[1]);
        if (ids.length === 0) continue; // acknowledged meanwhile by the sink that read it
        range = { first: ids[0]!, last: ids.at(-1)! };
        await this.readRange(node, range, batchOfNode);
        this.logger.warn({ node, first: range.first, last: range.last, consumer: next[1] }, 'writing again a batch a sink did not finish');
      } else {
        if (next[1] !== '' && this.reportedLoss.get(node) !== next[1]) {
          this.reportedLoss.set(node, next[1]);
          this.observer?.trimmedBeforeRead();
          this.logger.error(
            { node, trimmed_up_to: next[1] },
            "records were trimmed from the node's stream before the sink read them (the collector's --retention-maxlen): they are not in the history",
          );
        }
        // Read natively, not in the script: Lua would copy every field of every entry, on Redis's one thread.
        const read = (await this.redis.callBuffer('XREADGROUP', 'GROUP', group, consumer, 'COUNT', batchRecords, 'STREAMS', stream, '>')) as Array<
          [Buffer, RawEntry[]]
        > | null;
        const entries: Array<RawEntry | undefined> = read?.[0]?.[1] ?? [];
        if (entries.length === 0) break;
        for (let i = 0; i < entries.length; i++) {
          batchOfNode.add(decodeRawEntry(entries[i]!));
          entries[i] = undefined; // decoded: let the reply's buffers go now, not after the batch is written
        }
        range = batchOfNode.range;
      }
      const { files, bytes } = await this.writeBatch(batchOfNode, range, next[0] === 'redo');
      const [acknowledged] = await this.scripted.powerprofSinkAckBatch(lease, stream, this.token, group, range.last, nextStreamId(range.last));
      if (acknowledged === -1) {
        this.logger.warn(
          { node, first: range.first, last: range.last },
          'another sink took this node over while its batch was written; it writes the batch again',
        );
        this.held.delete(node);
        break;
      }
      done.records += batchOfNode.records;
      done.files += files;
      this.observer?.batchWritten(batchOfNode.recordsByTable, files, bytes, next[0] === 'redo');
      this.logger.info({ node, records: batchOfNode.records, files, first: range.first, last: range.last }, 'batch written to history');
    }
    return done;
  }

  private async makeGroup(stream: string): Promise<void> {
    if (this.groupsMade.has(stream)) return;
    try {
      await this.redis.xgroup('CREATE', stream, this.settings.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error as Error).message.startsWith('BUSYGROUP')) throw error;
    }
    this.groupsMade.add(stream);
  }

  /** The IDs delivered to a consumer and not acknowledged: one batch, in order. */
  private async pendingOf(stream: string, consumer: string): Promise<string[]> {
    const ids: string[] = [];
    let start = '-';
    for (;;) {
      const page = (await this.redis.xpending(stream, this.settings.group, start, '+', REDO_PAGE, consumer)) as Array<[string, string, number, number]>;
      for (const [id] of page) ids.push(id);
      if (page.length < REDO_PAGE) return ids;
      start = `(${page.at(-1)![0]}`;
    }
  }

  /** A pending batch's entries, as the stream still holds them, added to the batch page by page. */
  private async readRange(node: string, range: StreamRange, batch: NodeBatch): Promise<void> {
    let start = range.first;
    for (;;) {
      const entries = await this.redis.xrangeBuffer(this.keys.records(node), start, range.last, 'COUNT', REDO_PAGE);
      for (const entry of entries) batch.add(decodeRawEntry(entry));
      if (entries.length < REDO_PAGE) return;
      start = `(${entries.at(-1)![0].toString()}`;
    }
  }

  /** Writes the batch's files; a redo keeps each file that is already whole (a rename is all or nothing). */
  private async writeBatch(batch: NodeBatch, range: StreamRange, redo: boolean): Promise<{ files: number; bytes: number }> {
    const done = { files: 0, bytes: 0 };
    for (const file of batch.files(range)) {
      if (redo) {
        if (await exists(join(file.directory, file.name))) continue;
        await removeTemporaries(file.directory, file.name);
      }
      const bytes = encodeTableFile(tableNamed(file.table), file.columns);
      await writeHistoryFile(file.directory, file.name, bytes, this.token.replace('/', '-'));
      done.files++;
      done.bytes += bytes.length;
    }
    return done;
  }

  /** What waits in Redis for a sink: every node's stream length (written batches are trimmed). */
  private async measureBacklog(nodes: readonly string[]): Promise<void> {
    const lengths = await Promise.all(nodes.map((node) => this.redis.xlen(this.keys.records(node))));
    this.observer?.backlogMeasured?.(lengths.reduce((sum, length) => sum + length, 0));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
