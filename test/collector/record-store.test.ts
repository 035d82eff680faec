import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { MAX_EPOCHS_PER_NODE, RecordStore } from '../../collector/queue/record-store.js';
import { packRecords } from '../../collector/wire/record-pack.js';
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
    const completeness = { produced: 0, written: 2, dropped: 0, refused: 0, agentRefused: 0 };
    assert.deepEqual(await store.append('p9-node1', packRecords(batch.records, 1)), {
      retry: false,
      written: 2,
      skipped: 0,
      lastSeq: 1,
      trimmed: 0,
      completeness,
    });
    assert.deepEqual(await store.append('p9-node1', packRecords(batch.records, 1)), {
      retry: true,
      written: 0,
      skipped: 2,
      lastSeq: 1,
      trimmed: 0,
      completeness,
    });
    assert.equal(await shared.client.xlen(keys.records('p9-node1')), 2);
    assert.equal(await store.lastSeq('p9-node1'), 1);
    assert.deepEqual(await store.nodes(), ['p9-node1']);
  });

  it('dedupes per record: a retry cut into different batches writes only the records not written yet', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 0);
    const numbered = (first: number, last: number) =>
      sampleBatch(
        'n',
        last,
        Array.from({ length: last - first + 1 }, (_, i) => `r${first + i}`),
      ).records.map((record, i) => ({ ...record, seq: first + i }));
    const a = await store.append('n', packRecords(numbered(1, 5), 5), { produced: 5, dropped: 0 });
    const b = await store.append('n', packRecords(numbered(3, 8), 8), { produced: 9, dropped: 1 });
    assert.deepEqual([a.written, b.written, b.skipped, b.lastSeq], [5, 3, 3, 8]);
    const seqs: number[] = [];
    for await (const record of store.read('n')) seqs.push(record.seq);
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8], 'each record once, under its own seq');
    assert.deepEqual(await store.completeness('n'), { produced: 9, written: 8, dropped: 1, refused: 0, agentRefused: 0 });
    await store.append('n', packRecords(numbered(8, 8), 8), { produced: 4, dropped: 0 });
    assert.deepEqual(
      await store.completeness('n'),
      { produced: 9, written: 8, dropped: 1, refused: 0, agentRefused: 0 },
      "a late batch does not set the agent's counts back",
    );
  });

  it('seqs as large as the spool gives (the clock in thousandths of a ms) stay exact', async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    const seq = Date.now() * 1000 + 123;
    await store.append(
      'n',
      packRecords(
        sampleBatch('n', seq, ['big']).records.map((record) => ({ ...record, seq })),
        seq,
      ),
    );
    assert.equal(await store.lastSeq('n'), seq);
    assert.equal(
      (
        await store.append(
          'n',
          packRecords(
            sampleBatch('n', seq + 1, ['next']).records.map((record) => ({ ...record, seq: seq + 1 })),
            seq + 1,
          ),
        )
      ).written,
      1,
    );
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
    assert.equal((await store.append('n', packRecords(sampleBatch('n', 2, ['r2']).records, 2))).retry, true);
  });

  it('scopes seqs to a spool epoch: a mark in one epoch, however high, refuses nothing of another', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 0);
    const numbered = (seq: number, id: string) =>
      packRecords(
        sampleBatch('n', seq, [id]).records.map((record) => ({ ...record, seq })),
        seq,
      );
    const forged = await store.append('n', numbered(Number.MAX_SAFE_INTEGER, 'forged'), { epoch: 11 });
    assert.equal(forged.lastSeq, Number.MAX_SAFE_INTEGER);
    const real = await store.append('n', numbered(1_700_000_000_000_001, 'real'), { epoch: 22 });
    assert.deepEqual([real.written, real.retry, real.lastSeq], [1, false, 1_700_000_000_000_001]);
    assert.deepEqual(
      [await store.lastSeq('n', 11), await store.lastSeq('n', 22), await store.lastSeq('n', 33)],
      [Number.MAX_SAFE_INTEGER, 1_700_000_000_000_001, 0],
    );
    // Within the epoch, a retry is still a retry.
    assert.deepEqual((await store.append('n', numbered(1_700_000_000_000_001, 'real'), { epoch: 22 })).written, 0);
  });

  it('carries the mark of agents from before epochs over to epoch 0, once', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 0);
    await shared.client.set(keys.seq('n'), '41');
    assert.equal(await store.lastSeq('n'), 41);
    assert.equal((await store.append('n', packRecords(sampleBatch('n', 41, ['old']).records, 41))).written, 0, 'seq 41 was written before the upgrade');
    assert.equal((await store.append('n', packRecords(sampleBatch('n', 42, ['new']).records, 42))).written, 1);
    assert.equal(await shared.client.exists(keys.seq('n')), 0, 'the old key is moved into the epochs');
    assert.equal(await store.lastSeq('n'), 42);
  });

  it('keeps at most MAX_EPOCHS_PER_NODE epochs, forgetting the least recently used', async () => {
    const keys = redisKeys(uniquePrefix());
    const store = new RecordStore(shared.client, keys, 0);
    const pack = (seq: number) => packRecords(sampleBatch('n', seq, ['r']).records, seq);
    await store.append('n', pack(5), { epoch: 1 }, 1_000);
    for (let epoch = 2; epoch <= MAX_EPOCHS_PER_NODE; epoch++) await store.append('n', pack(5), { epoch }, 1_000 + epoch);
    await store.append('n', pack(6), { epoch: 1 }, 5_000); // used again: now the most recent
    await store.append('n', pack(5), { epoch: 1_000 }, 6_000);
    assert.equal(await shared.client.hlen(keys.epochs('n')), MAX_EPOCHS_PER_NODE);
    assert.equal(await store.lastSeq('n', 2), 0, 'epoch 2, the least recently used, is forgotten');
    assert.equal(await store.lastSeq('n', 1), 6);
  });

  it("takes the batch's seq as the mark when its last records were refused, and counts refusals once", async () => {
    const store = new RecordStore(shared.client, redisKeys(uniquePrefix()), 0);
    const pack = () =>
      packRecords(
        sampleBatch('n', 7, ['r']).records.map((record) => ({ ...record, seq: 5 })),
        7,
      );
    const first = await store.append('n', pack(), { batchSeq: 7, refused: 2 });
    assert.deepEqual([first.written, first.lastSeq, first.completeness.refused], [1, 7, 2]);
    const again = await store.append('n', pack(), { batchSeq: 7, refused: 2 });
    assert.deepEqual([again.retry, again.written, again.completeness.refused], [true, 0, 2]);
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
      trimmed += (
        await store.append(
          'n',
          packRecords(
            sampleBatch(
              'n',
              seq,
              Array.from({ length: 100 }, (_, i) => `r${seq}-${i}`),
            ).records,
            seq,
          ),
        )
      ).trimmed;
    }
    const length = await shared.client.xlen(keys.records('n'));
    assert.ok(length < 1_000 && length >= 100, `stream holds ${length}`);
    assert.equal(trimmed, 1_000 - length);
  });
});
