import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { repositoryRoot } from '../../proto/repository-root.js';
import type { Record } from '../../proto/records.js';
import type { RedisKeys } from './redis-keys.js';

export type RecordKind = NonNullable<Record['kind']>;

export interface AppendResult {
  applied: boolean;
  lastSeq: number;
  trimmed: number;
}

export interface StoredRecord {
  id: string;
  seq: number;
  kind: RecordKind;
  /** The record's message (NodeInfo, RunRecord, ...) as the collector received it. */
  data: unknown;
}

type RedisClient = Redis | Cluster;
type AppendBatchCommand = (seqKey: string, streamKey: string, ...args: (string | number)[]) => Promise<[number, number, number]>;

const appendBatchLua = readFileSync(join(repositoryRoot, 'collector/queue/append-batch.lua'), 'utf8');
const READ_PAGE = 1_000;

/**
 * Nodes' records in Redis Streams: one stream per node, each entry a record
 * (seq, kind, data as JSON). Appends are exactly once per batch seq.
 */
export class RecordStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly maxLen: number,
  ) {
    redis.defineCommand('powerprofAppendBatch', { numberOfKeys: 2, lua: appendBatchLua });
  }

  async append(node: string, seq: number, records: readonly Record[]): Promise<AppendResult> {
    const pairs = records.flatMap((record) => [record.kind!, JSON.stringify(record[record.kind!])]);
    const appendBatch = (this.redis as unknown as { powerprofAppendBatch: AppendBatchCommand }).powerprofAppendBatch.bind(this.redis);
    // Known before its data exists; idempotent, so a retried batch is harmless. (Another slot: not in the script.)
    await this.redis.sadd(this.keys.nodes, node);
    const [applied, lastSeq, trimmed] = await appendBatch(this.keys.seq(node), this.keys.records(node), seq, this.maxLen, ...pairs);
    return { applied: applied === 1, lastSeq, trimmed };
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
