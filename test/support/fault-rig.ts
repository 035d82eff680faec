import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { csvObjects } from '../../proto/csv-tables.js';
import { queryHistory } from './duckdb-history.js';
import { occHwmonTree } from './file-tree.js';
import { freePort } from './free-port.js';
import { agentMain, collectorMain, startNode, type Background } from './node-processes.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { storedRecord } from './stored-records.js';

/**
 * One fault case's world: a real redis-server with the shipped config (AOF
 * on), a real collector process on a fixed port that can be killed and
 * started again, and agents on a spool that outlives them. What each agent
 * wrote to its --csv copy is the ground truth of what was produced.
 */
export class FaultRig {
  readonly node = 'fault-node';
  readonly spool: string;
  private readonly workdir: string;
  private readonly sysfs: string;
  private collector: Background | undefined;
  private readonly csvDirs = new Map<string, string[]>();
  private agents = 0;
  private constructor(
    readonly redis: RedisServer,
    readonly grpcPort: number,
    private readonly metricsPort: number,
  ) {
    this.workdir = mkdtempSync(join(tmpdir(), 'powerprof-fault-'));
    this.spool = join(this.workdir, 'spool');
    // A POWER9-like OCC sensor through hwmon: a power sample every --power-period-ms.
    this.sysfs = occHwmonTree();
  }

  static async create(): Promise<FaultRig> {
    return new FaultRig(await startRedisServer({ shippedConfig: true }), await freePort(), await freePort());
  }

  get collectorAddress(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  async startCollector(): Promise<void> {
    this.collector = startNode(collectorMain, [
      'serve',
      '--grpc-listen',
      this.collectorAddress,
      '--metrics-listen',
      `127.0.0.1:${this.metricsPort}`,
      '--redis',
      this.redis.url,
    ]);
    await this.collector.waitFor(/collector serving/);
  }

  async stopCollector(signal: NodeJS.Signals): Promise<void> {
    await this.collector?.stop(signal);
    this.collector = undefined;
  }

  /** `powerprof-agent run` with power at 10 Hz and counter intervals at 10 Hz, on the rig's spool, its CSV copy kept. */
  startAgent(runArgs: string[], workload: string[], node = this.node): Background {
    const csv = join(this.workdir, `csv-${++this.agents}`);
    this.csvDirs.set(node, [...(this.csvDirs.get(node) ?? []), csv]);
    return startNode(agentMain, [
      'run',
      '--collector',
      this.collectorAddress,
      '--node-id',
      node,
      '--spool',
      this.spool,
      '--csv',
      csv,
      '--power',
      'hwmon',
      '--sysfs-root',
      this.sysfs,
      '--power-period-ms',
      '100',
      '--idle-s',
      '0.3',
      '--interval-ms',
      '100',
      '--events',
      'task-clock,page-faults,context-switches',
      '--retry-max-s',
      '1',
      '--log-level',
      'info',
      ...runArgs,
      '--',
      ...workload,
    ]);
  }

  /** `powerprof-agent flush` of the rig's spool. */
  flushAgent(extra: string[] = []): Background {
    return startNode(agentMain, [
      'flush',
      '--collector',
      this.collectorAddress,
      '--node-id',
      this.node,
      '--spool',
      this.spool,
      '--retry-max-s',
      '1',
      '--log-level',
      'info',
      ...extra,
    ]);
  }

  /** `powerprof-collector sink` into DIR, batches of a few records so that a kill finds one in flight. */
  startSink(dir: string, extra: string[] = []): Background {
    return startNode(collectorMain, [
      'sink',
      '--redis',
      this.redis.url,
      '--dir',
      dir,
      '--consumer',
      'fault-sink',
      '--batch-records',
      '3',
      '--flush-interval-s',
      '0',
      '--poll-s',
      '0.05',
      '--lease-s',
      '1',
      '--metrics-listen',
      '127.0.0.1:0',
      ...extra,
    ]);
  }

  /** What the node's agents produced (their CSV copies): one identity per record. */
  private produced(node: string): Set<string> {
    const produced = new Set<string>();
    for (const dir of this.csvDirs.get(node) ?? []) {
      for (const row of csvObjects(readFileSync(join(dir, 'runs.csv'), 'utf8'))) produced.add(`run|${row.run_id}`);
      for (const row of csvObjects(readFileSync(join(dir, 'power.csv'), 'utf8'))) produced.add(`power|${row.source}|${row.sensor}|${Date.parse(row.time!)}`);
      for (const row of csvObjects(readFileSync(join(dir, 'counters.csv'), 'utf8'))) produced.add(`interval|${row.run_id}|${row.time_s}`);
    }
    return produced;
  }

  /**
   * Produced against what the Parquet history under DIR holds, read by DuckDB,
   * together with what the node's stream still holds: each record must be in
   * exactly one of them, once.
   */
  async historyTally(dir: string, node = this.node): Promise<Tally & { inHistory: number; inStream: number }> {
    const produced = this.produced(node);
    const identities: string[] = [];
    const streamIds: string[] = [];
    const where = `WHERE node = '${node}'`;
    for (const row of await queryHistory(dir, 'runs', `SELECT run_id, stream_id FROM HISTORY ${where}`)) {
      identities.push(`run|${row.run_id as string}`);
      streamIds.push(row.stream_id as string);
    }
    for (const row of await queryHistory(dir, 'power', `SELECT source, sensor, epoch_ms(time) AS ms, stream_id FROM HISTORY ${where}`)) {
      identities.push(`power|${row.source as string}|${row.sensor as string}|${Number(row.ms)}`);
      streamIds.push(row.stream_id as string);
    }
    // One row per event: an interval is its stream entry.
    for (const row of await queryHistory(dir, 'counters', `SELECT DISTINCT run_id, time_s, stream_id FROM HISTORY ${where}`)) {
      identities.push(`interval|${row.run_id as string}|${row.time_s as number}`);
      streamIds.push(row.stream_id as string);
    }
    const inHistory = identities.length;
    const client = new Redis(this.redis.url);
    let runs: Array<{ run_id: string; status: string }> = [];
    try {
      for (const [id, fields] of await client.xrange(`powerprof:{${node}}:records`, '-', '+')) {
        const data = storedRecord<Record<string, unknown> & { run_id: string; status: string }>(fields);
        const kind = fields[fields.indexOf('kind') + 1]!;
        if (kind === 'node_info' || kind === 'power_source_status' || kind === 'job_status') continue;
        identities.push(identify(kind, data, fields[fields.indexOf('seq') + 1]!));
        streamIds.push(id);
        if (kind === 'run') runs.push(data);
      }
      runs = [...runs, ...((await queryHistory(dir, 'runs', `SELECT run_id, status FROM HISTORY ${where}`)) as typeof runs)];
    } finally {
      client.disconnect();
    }
    const seen = new Set(identities);
    const lost = [...produced].filter((identity) => !seen.has(identity));
    return {
      produced: produced.size,
      inRedis: [...seen].filter((identity) => produced.has(identity)).length,
      duplicates: identities.length - seen.size + (streamIds.length - new Set(streamIds).size),
      lost: lost.length,
      lostExamples: lost.slice(0, 5),
      runs,
      counts: { produced: 0, written: 0, dropped: 0 },
      entries: identities.length,
      inHistory,
      inStream: identities.length - inHistory,
    };
  }

  /** Produced (every CSV copy of the node's agents) against what Redis holds. */
  async tally(node = this.node): Promise<Tally> {
    const produced = this.produced(node);
    const client = new Redis(this.redis.url);
    try {
      const entries = await client.xrange(`powerprof:{${node}}:records`, '-', '+');
      const seen = new Map<string, number>();
      const seqs = new Set<string>();
      let duplicateSeqs = 0;
      const runs: Array<{ run_id: string; status: string }> = [];
      for (const [, fields] of entries) {
        const field = (name: string): string => fields[fields.indexOf(name) + 1]!;
        const data = storedRecord<Record<string, unknown> & { run_id: string; status: string }>(fields);
        if (seqs.has(field('seq'))) duplicateSeqs++;
        seqs.add(field('seq'));
        const identity = identify(field('kind'), data, field('seq'));
        seen.set(identity, (seen.get(identity) ?? 0) + 1);
        if (field('kind') === 'run') runs.push(data);
      }
      const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0) + duplicateSeqs;
      const lost = [...produced].filter((identity) => !seen.has(identity));
      const counts = await client.hgetall(`powerprof:{${node}}:counts`);
      return {
        produced: produced.size,
        inRedis: [...seen.keys()].filter((identity) => produced.has(identity)).length,
        duplicates,
        lost: lost.length,
        lostExamples: lost.slice(0, 5),
        runs,
        counts: { produced: Number(counts.produced ?? 0), written: Number(counts.written ?? 0), dropped: Number(counts.dropped ?? 0) },
        entries: entries.length,
      };
    } finally {
      client.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.stopCollector('SIGKILL');
    await this.redis.stop();
    rmSync(this.workdir, { recursive: true, force: true });
    rmSync(this.sysfs, { recursive: true, force: true });
  }
}

export interface Tally {
  /** Distinct records in the agents' CSV copies (runs, power samples, counter intervals). */
  produced: number;
  /** Of those, how many Redis holds. */
  inRedis: number;
  /** Records in Redis more than once, or seqs written twice. */
  duplicates: number;
  lost: number;
  lostExamples: string[];
  runs: Array<{ run_id: string; status: string }>;
  /** The node's completeness counts in Redis: produced and dropped as the agent reported, written as stored. */
  counts: { produced: number; written: number; dropped: number };
  entries: number;
}

function identify(kind: string, data: Record<string, unknown>, seq: string): string {
  switch (kind) {
    case 'run':
      return `run|${data.run_id as string}`;
    case 'power_sample':
      return `power|${data.source as string}|${data.sensor as string}|${data.time_unix_ms as number}`;
    case 'counter_interval':
      return `interval|${data.run_id as string}|${data.time_s as number}`;
    default:
      return `${kind}|${seq}`;
  }
}

export function describeTally(name: string, tally: Tally): string {
  return `${name}: produced ${tally.produced} / in Redis ${tally.inRedis} / duplicates ${tally.duplicates} / lost ${tally.lost}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
