import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './redis-connection.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import type { Completeness } from '../../proto/records.js';
import type { RecordPack } from '../wire/record-pack.js';
import { decodeRawEntry, type StoredRecord } from './stream-entry.js';
import type { RedisKeys } from './redis-keys.js';

export interface AppendResult {
  /** The whole batch had been applied before (a retry after a lost ack). */
  retry: boolean;
  /** New records, appended. */
  written: number;
  /** Records written before (a retry): the first `skipped` of the batch. */
  skipped: number;
  /** The epoch's last applied seq after this batch. */
  lastSeq: number;
  trimmed: number;
  completeness: Completeness;
}

/** What an append says of the batch beside its records. */
export interface BatchFacts {
  epoch: number;
  batchSeq: number;
  /** Records of the batch the collector refused. */
  refused: number;
  produced: number;
  dropped: number;
  agentRefused: number;
}

type AppendBatchCommand = (
  epochsKey: string,
  streamKey: string,
  countsKey: string,
  legacySeqKey: string,
  ...args: (string | number | Buffer)[]
) => Promise<[number, number, number, number, number, number, number, number, number, number]>;

const appendBatchLua = readFileSync(join(repositoryRoot, 'collector/queue/append-batch.lua'), 'utf8');
const READ_PAGE = 1_000;
/**
 * Epochs remembered per node: each new spool of a node (a reinstall, a lost
 * disk) starts one; past this many the least recently used is forgotten, so
 * that made-up epochs cannot grow a node's keys without bound.
 */
export const MAX_EPOCHS_PER_NODE = 32;

/**
 * Nodes' records in Redis Streams: one stream per node, each entry a record
 * (seq, kind, data as JSON). Each record is appended exactly once, by its seq.
 */
export class RecordStore {
  private readonly knownNodes = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly maxLen: number,
  ) {
    redis.defineCommand('powerprofAppendBatch', { numberOfKeys: 4, lua: appendBatchLua });
  }

  /**
   * Appends the records that are new: each record's own seq (or, from an
   * agent that does not number records, the batch's) must be above the last
   * applied one of the node's spool epoch.
   */
  async append(node: string, records: RecordPack, given: Partial<BatchFacts> = {}, nowMs = Date.now()): Promise<AppendResult> {
    const facts: BatchFacts = { epoch: 0, batchSeq: records.lastSeq, refused: 0, produced: 0, dropped: 0, agentRefused: 0, ...given };
    const appendBatch = (this.redis as unknown as { powerprofAppendBatch: AppendBatchCommand }).powerprofAppendBatch.bind(this.redis);
    // Known before its data exists; idempotent, so a retried batch is harmless. (Another slot: not in the
    // script.) Once per node and process is enough: the set only grows.
    if (!this.knownNodes.has(node)) {
      await this.redis.sadd(this.keys.nodes, node);
      this.knownNodes.add(node);
    }
    const [written, skipped, lastSeq, trimmed, writtenTotal, produced, dropped, refused, agentRefused, retry] = await appendBatch(
      this.keys.epochs(node),
      this.keys.records(node),
      this.keys.counts(node),
      this.keys.seq(node),
      this.maxLen,
      facts.produced,
      facts.dropped,
      facts.agentRefused,
      String(facts.epoch),
      String(facts.batchSeq),
      facts.refused,
      nowMs,
      MAX_EPOCHS_PER_NODE,
      records.finish(),
    );
    return { retry: retry === 1, written, skipped, lastSeq, trimmed, completeness: { produced, written: writtenTotal, dropped, refused, agentRefused } };
  }

  async completeness(node: string): Promise<Completeness> {
    const counts = await this.redis.hgetall(this.keys.counts(node));
    return {
      produced: Number(counts.produced ?? 0),
      written: Number(counts.written ?? 0),
      dropped: Number(counts.dropped ?? 0),
      refused: Number(counts.refused ?? 0),
      agentRefused: Number(counts.agent_refused ?? 0),
    };
  }

  /** After Redis comes back (perhaps empty), the node set is written again as batches arrive. */
  forgetKnownNodes(): void {
    this.knownNodes.clear();
  }

  /** The last applied seq of the node's spool epoch (0: agents that name none). */
  async lastSeq(node: string, epoch = 0): Promise<number> {
    const state = await this.redis.hget(this.keys.epochs(node), String(epoch));
    if (state !== null) return Number(state.slice(0, state.indexOf(':')));
    return epoch === 0 ? Number((await this.redis.get(this.keys.seq(node))) ?? 0) : 0;
  }

  async nodes(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.nodes)).sort();
  }

  /** A node's records, oldest first, read a page at a time. */
  async *read(node: string): AsyncGenerator<StoredRecord> {
    let start = '-';
    for (;;) {
      const entries = await this.redis.xrangeBuffer(this.keys.records(node), start, '+', 'COUNT', READ_PAGE);
      for (const entry of entries) yield decodeRawEntry(entry);
      if (entries.length < READ_PAGE) return;
      start = `(${entries.at(-1)![0].toString()}`;
    }
  }
}
