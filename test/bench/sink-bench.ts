import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RecordStore } from '../../collector/queue/record-store.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { HistorySink } from '../../collector/sink/history-sink.js';
import { packRecords } from '../../collector/wire/record-pack.js';
import { startRedisServer } from '../support/redis-server.js';
import { liveNodeRecords, seededRandom } from './live-node-records.js';

function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    const stat = statSync(join(dir, String(name)));
    if (stat.isFile()) total += stat.size;
  }
  return total;
}

async function redisCpuS(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
}

/**
 * The history sink (issue 19): nodes' streams filled with what live nodes
 * send, then drained by one sink into Parquet, in this process. Prints its
 * throughput against the saturated ingest measured just before in the same
 * run (the sink must keep up with a collector at full speed on the same
 * machine), its CPU and Redis's per record, and the bytes per record on disk
 * against those in Redis.
 */
export async function sinkBench(quick: boolean, ingestRecordsPerS: number): Promise<void> {
  const nodes = quick ? 4 : 10;
  const perNode = quick ? 10_000 : 20_000; // power samples, and as many intervals
  const redis = await startRedisServer();
  const client = new Redis(redis.url);
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-bench-history-'));
  const random = seededRandom(42);
  try {
    const keys = redisKeys('bench');
    const store = new RecordStore(client, keys, 0);
    const startMs = Date.now() - 3_600_000;
    for (let node = 0; node < nodes; node++) {
      const records = liveNodeRecords(perNode, startMs, random);
      for (let i = 0; i < records.length; i += 1_000) {
        const batch = records.slice(i, i + 1_000);
        await store.append(`bench-${node}`, packRecords(batch, batch.at(-1)!.seq));
      }
    }
    const total = nodes * perNode * 2;
    let redisBytes = 0;
    for (let node = 0; node < nodes; node++) redisBytes += Number(await client.call('MEMORY', 'USAGE', keys.records(`bench-${node}`), 'SAMPLES', '0'));
    const sink = new HistorySink(
      client,
      keys,
      { dir, consumer: 'bench', group: 'powerprof-sink', batchRecords: 20_000, flushIntervalMs: 0, leaseMs: 60_000, pollMs: 100 },
      pino({ level: 'silent' }),
    );
    const redisBefore = await redisCpuS(client);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let drained = 0;
    for (let pass = await sink.pass(); pass.records > 0; pass = await sink.pass()) drained += pass.records;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const sinkCpuS = (cpu.user + cpu.system) / 1e6;
    const redisS = (await redisCpuS(client)) - redisBefore;
    if (drained !== total) throw new Error(`the sink drained ${drained} of ${total} records`);
    const rate = drained / seconds;
    const perPower = bytesUnder(join(dir, 'table=power')) / (nodes * perNode);
    const perInterval = bytesUnder(join(dir, 'table=counters')) / (nodes * perNode);
    const onDisk = bytesUnder(dir) / total;
    const inRedis = redisBytes / total;
    process.stdout.write(
      `history sink (${nodes} nodes, ${total} records: DCMI power samples and 9-event intervals, batches of 20,000): ${Math.round(rate)} records/s drained into Parquet, ` +
        `${(rate / ingestRecordsPerS).toFixed(1)}x the saturated ingest above (${Math.round(ingestRecordsPerS)} records/s); ` +
        `sink CPU ${((sinkCpuS / drained) * 1e6).toFixed(1)} us per record, Redis CPU ${((redisS / drained) * 1e6).toFixed(1)} us per record\n` +
        `Parquet on disk: ${perPower.toFixed(1)} B per power sample, ${perInterval.toFixed(1)} B per counter interval (9 rows); ` +
        `${onDisk.toFixed(1)} B per record in all, against ${inRedis.toFixed(0)} B in Redis before (MEMORY USAGE): ratio ${(inRedis / onDisk).toFixed(1)}x\n`,
    );
  } finally {
    client.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
