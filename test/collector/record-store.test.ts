import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { RecordStore } from '../../collector/queue/record-store.js';
import { packRecords } from '../../collector/queue/record-pack.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { sampleBatch } from '../proto/sample-records.js';
import { useRedisServer } from '../support/redis-server.js';

describe('RecordStore against a real redis-server', () => {
  const shared = useRedisServer();
  const uniquePrefix = (): string => `test-${randomUUID().slice(0, 8)}`;

  it('appends a batch once: a retried seq writes nothing', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 0);
    const batch = sampleBatch('p9-node1', 1, ['r1', 'r2']);
    const completeness = { produced: 0, written: 2, dropped: 0 };
    assert.deepEqual(await store.append('p9-node1', packRecords(batch.records, 1)), { applied: true, written: 2, skipped: 0, lastSeq: 1, trimmed: 0, completeness });
    assert.deepEqual(await store.append('p9-node1', packRecords(batch.records, 1)), { applied: false, written: 0, skipped: 2, lastSeq: 1, trimmed: 0, completeness });
    assert.equal(await shared.client.xlen(keys.records('p9-node1')), 2);
    assert.equal(await store.lastSeq('p9-node1'), 1);
    assert.deepEqual(await store.nodes(), ['p9-node1']);
  });

  it('dedupes per record: a retry cut into different batches writes only the records not written yet', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 0);
    const numbered = (first: number, last: number) =>
      sampleBatch('n', last, Array.from({ length: last - first + 1 }, (_, i) => `r${first + i}`)).records.map((record, i) => ({ ...record, seq: first + i }));
    const a = await store.append('n', packRecords(numbered(1, 5), 5), { produced: 5, dropped: 0 });
    const b = await store.append('n', packRecords(numbered(3, 8), 8), { produced: 9, dropped: 1 });
    assert.deepEqual([a.written, b.written, b.skipped, b.lastSeq], [5, 3, 3, 8]);
    const seqs: number[] = [];
    for await (const record of store.read('n')) seqs.push(record.seq);
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8], 'each record once, under its own seq');
    assert.deepEqual(await store.completeness('n'), { produced: 9, written: 8, dropped: 1 });
    await store.append('n', packRecords(numbered(8, 8), 8), { produced: 4, dropped: 0 });
    assert.deepEqual(await store.completeness('n'), { produced: 9, written: 8, dropped: 1 }, "a late batch does not set the agent's counts back");
  });

  it('seqs as large as the spool gives (the clock in thousandths of a ms) stay exact', async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    const seq = Date.now() * 1000 + 123;
    await store.append('n', packRecords(sampleBatch('n', seq, ['big']).records.map((record) => ({ ...record, seq })), seq));
    assert.equal(await store.lastSeq('n'), seq);
    assert.equal((await store.append('n', packRecords(sampleBatch('n', seq + 1, ['next']).records.map((record) => ({ ...record, seq: seq + 1 })), seq + 1))).written, 1);
  });

  it('keeps nodes apart, in hash-tagged keys', async () => {
    const keys = redisKeys(uniquePrefix());
    assert.match(keys.records('a'), /:\{a\}:records$/);
    assert.match(keys.seq('a'), /:\{a\}:seq$/);
    const store = new RecordStore(shared.client, keys, 0);
    await store.append('a', packRecords(sampleBatch('a', 5, ['ra']).records, 5));
    await store.append('b', packRecords(sampleBatch('b', 1, ['rb']).records, 1));
    assert.deepEqual([await store.lastSeq('a'), await store.lastSeq('b')], [5, 1]);
    const read = [];
    for await (const record of store.read('b')) read.push(record);
    assert.equal(read.length, 1);
    assert.equal(read[0]!.kind, 'run');
    assert.equal((read[0]!.data as { run_id: string }).run_id, 'rb');
  });

  it('an older seq after a newer one is a retry, not new data', async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    await store.append('n', packRecords(sampleBatch('n', 3, ['r3']).records, 3));
    assert.equal((await store.append('n', packRecords(sampleBatch('n', 2, ['r2']).records, 2))).applied, false);
  });

  it('reads long streams page by page, in order', async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    const ids = Array.from({ length: 2_500 }, (_, i) => `r${i}`);
    await store.append('n', packRecords(sampleBatch('n', 1, ids).records, 1));
    const read: string[] = [];
    for await (const record of store.read('n')) read.push((record.data as { run_id: string }).run_id);
    assert.deepEqual(read, ids);
  });

  it('trims by MAXLEN ~ and says how much', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 100);
    let trimmed = 0;
    for (let seq = 1; seq <= 10; seq++) {
      trimmed += (await store.append('n', packRecords(sampleBatch('n', seq, Array.from({ length: 100 }, (_, i) => `r${seq}-${i}`)).records, seq))).trimmed;
    }
    const length = await shared.client.xlen(keys.records('n'));
    assert.ok(length < 1_000 && length >= 100, `stream holds ${length}`);
    assert.equal(trimmed, 1_000 - length);
  });
});
