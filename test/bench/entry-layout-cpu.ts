import { Redis } from 'ioredis';
import { RecordStore } from '../../collector/queue/record-store.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { packRecords, RecordPack } from '../../collector/wire/record-pack.js';
import type { Record as RecordMessage } from '../../proto/records.js';
import { startRedisServer } from '../support/redis-server.js';
import { median, spread } from './bench-statistics.js';
import { liveNodeRecords, seededRandom } from './live-node-records.js';

type Layout = 'json' | 'fields';

/** The layout before issue 19: every record one "data" field, the message as JSON with every field. */
function packAsJson(records: readonly RecordMessage[], batchSeq: number): RecordPack {
  const pack = new RecordPack();
  for (const record of records) pack.add(record.seq, batchSeq, record.kind!, JSON.stringify(record[record.kind!]));
  return pack;
}

async function redisCpuS(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
}

/**
 * Issue 19's CPU check of compact entries: the same live-node records
 * (DCMI power samples and 9-event intervals) appended through the
 * exactly-once script in the layout before (JSON in "data") and the one now
 * (one field per value), round by round interleaved so that the machine's
 * drift hits both alike. Prints Redis's CPU per record (INFO) and the
 * packing CPU per record in Node, min / median / max over the rounds.
 */
export async function entryLayoutCpu(quick: boolean): Promise<void> {
  const rounds = quick ? 3 : 7;
  const perRound = quick ? 10_000 : 30_000;
  const redis = await startRedisServer();
  const client = new Redis(redis.url);
  const records = liveNodeRecords(perRound / 2, Date.now() - 3_600_000, seededRandom(7));
  const results: Record<Layout, { redisUs: number[]; packUs: number[] }> = { json: { redisUs: [], packUs: [] }, fields: { redisUs: [], packUs: [] } };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const layout of round % 2 === 0 ? (['json', 'fields'] as const) : (['fields', 'json'] as const)) {
        const keys = redisKeys(`layout-${layout}-${round}`);
        const store = new RecordStore(client, keys, 0);
        let packS = 0;
        const redisBefore = await redisCpuS(client);
        for (let i = 0; i < records.length; i += 500) {
          const batch = records.slice(i, i + 500);
          const started = process.cpuUsage();
          const pack = layout === 'json' ? packAsJson(batch, batch.at(-1)!.seq) : packRecords(batch, batch.at(-1)!.seq);
          const used = process.cpuUsage(started);
          packS += (used.user + used.system) / 1e6;
          await store.append('layout', pack);
        }
        const redisS = (await redisCpuS(client)) - redisBefore;
        results[layout].redisUs.push((redisS / records.length) * 1e6);
        results[layout].packUs.push((packS / records.length) * 1e6);
        await client.del(keys.records('layout'));
      }
    }
    const { json, fields } = results;
    process.stdout.write(
      `entry layout, ${rounds} interleaved rounds of ${records.length} live-node records (us per record, min / median / max): ` +
        `Redis CPU JSON ${spread(json.redisUs)}, fields ${spread(fields.redisUs)} (ratio ${(median(fields.redisUs) / median(json.redisUs)).toFixed(2)}); ` +
        `packing in Node JSON ${spread(json.packUs)}, fields ${spread(fields.packUs)} (ratio ${(median(fields.packUs) / median(json.packUs)).toFixed(2)})\n`,
    );
  } finally {
    client.disconnect();
    await redis.stop();
  }
}
