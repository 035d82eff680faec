import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { RecordStore } from '../../collector/queue/record-store.js';
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
    assert.deepEqual(await store.append('p9-node1', 1, batch.records), { applied: true, lastSeq: 1, trimmed: 0 });
    assert.deepEqual(await store.append('p9-node1', 1, batch.records), { applied: false, lastSeq: 1, trimmed: 0 });
    assert.equal(await shared.client.xlen(keys.records('p9-node1')), 2);
    assert.equal(await store.lastSeq('p9-node1'), 1);
    assert.deepEqual(await store.nodes(), ['p9-node1']);
  });

  it('keeps nodes apart, in hash-tagged keys', async () => {
    const keys = redisKeys(uniquePrefix());
    assert.match(keys.records('a'), /:\{a\}:records$/);
    assert.match(keys.seq('a'), /:\{a\}:seq$/);
    const store = new RecordStore(shared.client, keys, 0);
    await store.append('a', 5, sampleBatch('a', 5, ['ra']).records);
    await store.append('b', 1, sampleBatch('b', 1, ['rb']).records);
    assert.deepEqual([await store.lastSeq('a'), await store.lastSeq('b')], [5, 1]);
    const read = [];
    for await (const record of store.read('b')) read.push(record);
    assert.equal(read.length, 1);
    assert.equal(read[0]!.kind, 'run');
    assert.equal((read[0]!.data as { run_id: string }).run_id, 'rb');
  });

  it('an older seq after a newer one is a retry, not new data', async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    await store.append('n', 3, sampleBatch('n', 3, ['r3']).records);
    assert.equal((await store.append('n', 2, sampleBatch('n', 2, ['r2']).records)).applied, false);
  });

  it('reads long streams page by page, in order', async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    const ids = Array.from({ length: 2_500 }, (_, i) => `r${i}`);
    await store.append('n', 1, sampleBatch('n', 1, ids).records);
    const read: string[] = [];
    for await (const record of store.read('n')) read.push((record.data as { run_id: string }).run_id);
    assert.deepEqual(read, ids);
  });

  it('trims by MAXLEN ~ and says how much', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 100);
    let trimmed = 0;
    for (let seq = 1; seq <= 10; seq++) {
      trimmed += (await store.append('n', seq, sampleBatch('n', seq, Array.from({ length: 100 }, (_, i) => `r${seq}-${i}`)).records)).trimmed;
    }
    const length = await shared.client.xlen(keys.records('n'));
    assert.ok(length < 1_000 && length >= 100, `stream holds ${length}`);
    assert.equal(trimmed, 1_000 - length);
  });
});
