import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './redis-connection.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import type { RecordKind } from '../../proto/records.js';
import type { RecordPack } from './record-pack.js';
import type { RedisKeys } from './redis-keys.js';

export interface AppendResult {
  /** True when at least one record was new. */
  applied: boolean;
  /** New records, appended. */
  written: number;
  /** Records written before (a retry): the first `skipped` of the batch. */
  skipped: number;
  lastSeq: number;
  trimmed: number;
  completeness: Completeness;
}

/** Per node, since its agent's spool was created: produced and dropped as the agent reports, written as stored. */
export interface Completeness {
  produced: number;
  written: number;
  dropped: number;
}

export interface StoredRecord {
  id: string;
  seq: number;
  kind: RecordKind;
  /** The record's message (NodeInfo, RunRecord, ...) as the collector received it. */
  data: unknown;
}

type AppendBatchCommand = (seqKey: string, streamKey: string, countsKey: string, ...args: (string | number | Buffer)[]) => Promise<[number, number, number, number, number, number, number]>;

const appendBatchLua = readFileSync(join(repositoryRoot, 'collector/queue/append-batch.lua'), 'utf8');
const READ_PAGE = 1_000;

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
    redis.defineCommand('powerprofAppendBatch', { numberOfKeys: 3, lua: appendBatchLua });
  }

  /**
   * Appends the records that are new: each record's own seq (or, from an
   * agent that does not number records, the batch's) must be above the
   * node's last applied one.
   */
  async append(node: string, records: RecordPack, reported: { produced: number; dropped: number } = { produced: 0, dropped: 0 }): Promise<AppendResult> {
    const appendBatch = (this.redis as unknown as { powerprofAppendBatch: AppendBatchCommand }).powerprofAppendBatch.bind(this.redis);
    // Known before its data exists; idempotent, so a retried batch is harmless. (Another slot: not in the
    // script.) Once per node and process is enough: the set only grows.
    if (!this.knownNodes.has(node)) {
      await this.redis.sadd(this.keys.nodes, node);
      this.knownNodes.add(node);
    }
    const [written, skipped, lastSeq, trimmed, writtenTotal, produced, dropped] = await appendBatch(
      this.keys.seq(node),
      this.keys.records(node),
      this.keys.counts(node),
      this.maxLen,
      reported.produced,
      reported.dropped,
      records.finish(),
    );
    return { applied: written > 0, written, skipped, lastSeq, trimmed, completeness: { produced, written: writtenTotal, dropped } };
  }

  async completeness(node: string): Promise<Completeness> {
    const counts = await this.redis.hgetall(this.keys.counts(node));
    return { produced: Number(counts.produced ?? 0), written: Number(counts.written ?? 0), dropped: Number(counts.dropped ?? 0) };
  }

  /** After Redis comes back (perhaps empty), the node set is written again as batches arrive. */
  forgetKnownNodes(): void {
    this.knownNodes.clear();
  }

  async lastSeq(node: string): Promise<number> {
    return Number((await this.redis.get(this.keys.seq(node))) ?? 0);
  }

  async nodes(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.nodes)).sort();
  }

  /** A node's records, oldest first, read a page at a time. */
  async *read(node: string): AsyncGenerator<StoredRecord> {
    let start = '-';
    for (;;) {
      const entries = await this.redis.xrange(this.keys.records(node), start, '+', 'COUNT', READ_PAGE);
      for (const [id, fields] of entries) yield decodeEntry(id, fields);
      if (entries.length < READ_PAGE) return;
      start = `(${entries.at(-1)![0]}`;
    }
  }
}

function decodeEntry(id: string, fields: string[]): StoredRecord {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  return { id, seq: Number(values.get('seq')), kind: values.get('kind') as RecordKind, data: JSON.parse(values.get('data') ?? 'null') };
}
