import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RecordStore } from '../../collector/queue/record-store.js';
import { redisKeys, type RedisKeys } from '../../collector/queue/redis-keys.js';
import { startSink } from '../../collector/commands/sink-command.js';
import { loadSinkConfig, type SinkConfig } from '../../collector/config.js';
import { setTimeout as sleep } from 'node:timers/promises';
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
 * send, then drained into Parquet by the sink command's own code (its worker
 * threads), once with one thread and once with the default. Prints each
 * throughput against the saturated ingest measured just before in the same
 * run (the sink must keep up with a collector at full speed on the same
 * machine), the CPU of the sink and of Redis per record, and the bytes per
 * record on disk against those in Redis.
 */
export async function sinkBench(quick: boolean, ingestRecordsPerS: number): Promise<void> {
  const nodes = quick ? 4 : 10;
  const perNode = quick ? 10_000 : 20_000; // power samples, and as many intervals
  const redis = await startRedisServer();
  const client = new Redis(redis.url);
  const defaultThreads = loadSinkConfig(['--dir', '.'], {}) as { config: SinkConfig };
  try {
    for (const threads of [1, defaultThreads.config.threads]) {
      const dir = mkdtempSync(join(tmpdir(), 'powerprof-bench-history-'));
      const prefix = `bench-${threads}`; // each round its own streams, as a fresh fleet
      const keys = redisKeys(prefix);
      try {
        const total = await fillStreams(client, keys, nodes, perNode);
        let redisBytes = 0;
        for (let node = 0; node < nodes; node++) redisBytes += Number(await client.call('MEMORY', 'USAGE', keys.records(`bench-${node}`), 'SAMPLES', '0'));
        const { config } = loadSinkConfig(
          [
            '--dir',
            dir,
            '--redis',
            redis.url,
            '--key-prefix',
            prefix,
            '--threads',
            String(threads),
            '--flush-interval-s',
            '0',
            '--poll-s',
            '0.05',
            '--log-level',
            'silent',
          ],
          { POWERPROF_METRICS_LISTEN: '127.0.0.1:0' },
        ) as { config: SinkConfig };
        const redisBefore = await redisCpuS(client);
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const sink = await startSink(config, pino({ level: 'silent' }));
        while ((await backlog(client, keys, nodes)) > 0) await sleep(20);
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        await sink.shutdown();
        const sinkCpuS = (cpu.user + cpu.system) / 1e6;
        const redisS = (await redisCpuS(client)) - redisBefore;
        const rate = total / seconds;
        const perPower = bytesUnder(join(dir, 'table=power')) / (nodes * perNode);
        const perInterval = bytesUnder(join(dir, 'table=counters')) / (nodes * perNode);
        const onDisk = bytesUnder(dir) / total;
        const inRedis = redisBytes / total;
        process.stdout.write(
          `history sink, ${threads} thread${threads > 1 ? 's' : ''}${threads === defaultThreads.config.threads ? ' (the default here)' : ''} ` +
            `(${nodes} nodes, ${total} records: DCMI power samples and 9-event intervals, batches of 20,000): ${Math.round(rate)} records/s drained into Parquet, ` +
            `${(rate / ingestRecordsPerS).toFixed(2)}x the saturated ingest above (${Math.round(ingestRecordsPerS)} records/s); ` +
            `sink CPU ${((sinkCpuS / total) * 1e6).toFixed(1)} us per record (all threads), Redis CPU ${((redisS / total) * 1e6).toFixed(1)} us per record\n`,
        );
        if (threads === 1)
          process.stdout.write(
            `Parquet on disk: ${perPower.toFixed(1)} B per power sample, ${perInterval.toFixed(1)} B per counter interval (9 rows); ` +
              `${onDisk.toFixed(1)} B per record in all, against ${inRedis.toFixed(0)} B in Redis before (MEMORY USAGE): ratio ${(inRedis / onDisk).toFixed(1)}x\n`,
          );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

/** Every node's stream filled with what a live node sends; the records' count. */
async function fillStreams(client: Redis, keys: RedisKeys, nodes: number, perNode: number): Promise<number> {
  const store = new RecordStore(client, keys, 0);
  const random = seededRandom(42);
  const startMs = Date.now() - 3_600_000;
  let total = 0;
  for (let node = 0; node < nodes; node++) {
    const records = liveNodeRecords(perNode, startMs, random);
    for (let i = 0; i < records.length; i += 1_000) {
      const batch = records.slice(i, i + 1_000);
      await store.append(`bench-${node}`, packRecords(batch, batch.at(-1)!.seq));
    }
    total += records.length;
  }
  return total;
}

async function backlog(client: Redis, keys: RedisKeys, nodes: number): Promise<number> {
  let waiting = 0;
  for (let node = 0; node < nodes; node++) waiting += await client.xlen(keys.records(`bench-${node}`));
  return waiting;
}
