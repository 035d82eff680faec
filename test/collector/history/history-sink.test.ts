import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeHistoryFile } from '../../../collector/history/durable-history-file.js';
import { tableNamed } from '../../../collector/history/history-tables.js';
import { encodeTableFile } from '../../../collector/history/parquet-table-file.js';
import { readHistory } from '../../../collector/history/read-history.js';
import { RecordStore } from '../../../collector/queue/record-store.js';
import { redisKeys, type RedisKeys } from '../../../collector/queue/redis-keys.js';
import { HistorySink, type SinkSettings } from '../../../collector/sink/history-sink.js';
import { batchFiles } from '../../../collector/sink/node-batch.js';
import { packRecords } from '../../../collector/wire/record-pack.js';
import { decodeEntry } from '../../../collector/queue/stream-entry.js';
import type { Record as RecordMessage } from '../../../proto/records.js';
import { sampleCounter, sampleNodeInfo, sampleRun, SAMPLE_TIME_MS } from '../../proto/sample-records.js';
import { useRedisServer } from '../../support/redis-server.js';
import { testLogger } from '../../support/silent-logger.js';

/** Every kind of record, with the optional fields both present and absent. */
function mixedRecords(runId: string, firstSeq: number): RecordMessage[] {
  const records: Array<Omit<RecordMessage, 'seq'>> = [
    { kind: 'node_info', node_info: sampleNodeInfo('n1', { pmu_emulation: 'qemu-tcg' }) },
    {
      kind: 'power_sample',
      power_sample: {
        source: 'ipmi-dcmi',
        sensor: 'total',
        time_unix_ms: SAMPLE_TIME_MS,
        watts: 262.5,
        min_watts: 100,
        max_watts: 400,
        avg_watts: 250.25,
        sampling_period_ms: 1000,
        state: 'activated',
        stale: false,
        read_started_unix_ms: SAMPLE_TIME_MS - 3,
        read_ended_unix_ms: SAMPLE_TIME_MS + 4,
      },
    },
    {
      kind: 'power_sample',
      power_sample: {
        source: 'rapl',
        sensor: 'package-0',
        time_unix_ms: SAMPLE_TIME_MS + 100,
        watts: 31.5,
        energy_joules: 12345.678,
        state: '',
        stale: true,
        read_started_unix_ms: 0,
        read_ended_unix_ms: 0,
      },
    },
    {
      kind: 'counter_interval',
      counter_interval: {
        run_id: runId,
        time_s: 0.100123,
        counters: [
          sampleCounter('cycles', 123456789, { running_percent: 49.5, scaled_value: (123456789 * 100) / 49.5 }),
          sampleCounter('task-clock', 99.87, { unit: 'msec' }),
          sampleCounter('cache-misses', 0, { status: 'COUNTER_STATUS_NOT_SUPPORTED', running_percent: 0 }),
          sampleCounter('branch-misses', 0, { status: 'COUNTER_STATUS_NOT_COUNTED', running_percent: 0 }),
        ],
      },
    },
    { kind: 'counter_interval', counter_interval: { run_id: runId, time_s: 0.2, counters: [] } },
    {
      kind: 'run',
      run: sampleRun(runId, { workload_metrics: { images: 20, top1: 0.75 }, energy_joules: 3300, avg_watts: 264, items: 20, joules_per_item: 165 }),
    },
    { kind: 'run', run: sampleRun(`${runId}-failed`, { status: 'RUN_STATUS_ERROR', error: 'perf stat failed', exit_code: 0, counters: [] }) },
    { kind: 'power_source_status', power_source_status: { source: 'rapl', up: false, error: 'no RAPL here', time_unix_ms: SAMPLE_TIME_MS, sensors: [] } },
    { kind: 'job_status', job_status: { job_id: 'job-1', status: 'JOB_STATE_DONE', message: '', runs: 2, time_unix_ms: SAMPLE_TIME_MS } as never },
  ];
  return records.map((record, i) => ({ ...record, seq: firstSeq + i }));
}

describe('history sink against a real redis-server', () => {
  const shared = useRedisServer();
  const roots: string[] = [];
  after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
  const world = (overrides: Partial<SinkSettings> = {}) => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-history-'));
    roots.push(dir);
    const settings: SinkSettings = {
      dir,
      consumer: 'sink-a',
      group: 'powerprof-sink',
      batchRecords: 1000,
      flushIntervalMs: 0,
      leaseMs: 30_000,
      pollMs: 50,
      ...overrides,
    };
    return {
      keys,
      dir,
      store: new RecordStore(shared.client, keys, 0),
      settings,
      sink: (more: Partial<SinkSettings> = {}) => new HistorySink(shared.client, keys, { ...settings, ...more }, testLogger),
    };
  };
  const inRedis = async (keys: RedisKeys, node: string) =>
    (await shared.client.xrange(keys.records(node), '-', '+')).map(([id, fields]) => ({ node, record: decodeEntry(id, fields) }));

  it('writes every kind of record into its table, partitioned by node and day, and gives each back as Redis held it', async () => {
    const { keys, dir, store, sink } = world();
    await store.append('n1', packRecords(mixedRecords('run-1', 1), 9));
    await store.append('n2', packRecords(mixedRecords('run-2', 1), 9));
    const before = [...(await inRedis(keys, 'n1')), ...(await inRedis(keys, 'n2'))];
    assert.equal(before.length, 18);

    const pass = await sink().pass();
    assert.deepEqual(pass, { records: 18, files: 10 }, 'five tables for each of two nodes');
    assert.equal(await shared.client.xlen(keys.records('n1')), 0, 'written, acknowledged, trimmed');
    assert.equal(await shared.client.xlen(keys.records('n2')), 0);
    assert.deepEqual(readdirSync(dir).sort(), ['table=counters', 'table=node_info', 'table=power', 'table=runs', 'table=status']);
    const day = new Date(Number(before[0]!.record.id.split('-')[0])).toISOString().slice(0, 10);
    const files = readdirSync(join(dir, 'table=runs', 'node=n1', `date=${day}`));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^\d+-\d+_\d+-\d+\.parquet$/);

    const history = await readHistory(dir);
    assert.deepEqual([...history.keys()].sort(), ['n1', 'n2']);
    assert.deepEqual([...history.get('n1')!, ...history.get('n2')!], before, 'the same records, ids and seqs as the stream held');
  });

  it('entries stored before compact entries (every kind as JSON in "data") go into the history like the others', async () => {
    const { keys, dir, store, sink } = world();
    const sample = {
      source: 'ipmi-dcmi',
      sensor: 'system',
      time_unix_ms: SAMPLE_TIME_MS,
      watts: 412,
      min_watts: 380,
      state: 'activated',
      stale: false,
      read_started_unix_ms: 0,
      read_ended_unix_ms: 0,
    };
    const interval = { run_id: 'old-run', time_s: 1.5, counters: [sampleCounter('cycles', 123, { maps_to: 'cpu-cycles: PM_CYC' })] };
    await shared.client.sadd(keys.nodes, 'old');
    await shared.client.xadd(keys.records('old'), '*', 'seq', '1', 'kind', 'power_sample', 'data', JSON.stringify(sample));
    await shared.client.xadd(keys.records('old'), '*', 'seq', '2', 'kind', 'counter_interval', 'data', JSON.stringify(interval));
    await store.append('old', packRecords(mixedRecords('new-run', 3).slice(1, 3), 4)); // and then compact ones
    const before = await inRedis(keys, 'old');
    assert.equal((await sink().pass()).records, 4);
    const history = (await readHistory(dir)).get('old')!;
    assert.deepEqual(
      history.map(({ record }) => [record.id, record.seq, record.kind]),
      before.map(({ record }) => [record.id, record.seq, record.kind]),
    );
    assert.equal((history[0]!.record.data as { watts: number }).watts, 412);
    assert.equal((history[1]!.record.data as { counters: Array<{ value: number }> }).counters[0]!.value, 123);
  });

  it('a Redis that lost the consumer group (restarted without its append-only file): one pass fails, the next makes the group again', async () => {
    const { keys, dir, store, sink } = world();
    const writer = sink();
    await store.append('n1', packRecords(mixedRecords('run-1', 1), 9));
    assert.equal((await writer.pass()).records, 9);
    await shared.client.del(keys.records('n1')); // the stream and its group gone, as after a restart from nothing
    await store.append('n1', packRecords(mixedRecords('run-2', 10), 18));
    await assert.rejects(writer.pass(), /NOGROUP/);
    assert.equal((await writer.pass()).records, 9, 'the group made again, the new records written');
    assert.equal((await readHistory(dir)).get('n1')!.length, 18);
  });

  it('waits until a batch is full or its oldest record has waited the flush interval', async () => {
    const { keys, store, sink } = world({ batchRecords: 6, flushIntervalMs: 3_600_000 });
    const writer = sink();
    await store.append('n1', packRecords(mixedRecords('run-1', 1).slice(0, 5), 5));
    assert.deepEqual(await writer.pass(), { records: 0, files: 0 }, 'five records, not yet an hour old: they wait');
    assert.equal(await shared.client.xlen(keys.records('n1')), 5);
    await store.append('n1', packRecords(mixedRecords('run-1', 6), 14));
    const pass = await writer.pass();
    assert.equal(pass.records, 12, 'two full batches of six; the last two wait');
    assert.equal(await shared.client.xlen(keys.records('n1')), 2);
    assert.equal((await writer.pass(Date.now() + 3_600_000)).records, 2, 'an hour later they are written');
  });

  it('a batch a sink did not finish (some files renamed, none acknowledged) is finished by another, each record once', async () => {
    const { keys, dir, store, sink } = world();
    await store.append('n1', packRecords(mixedRecords('run-1', 1), 9));
    const before = await inRedis(keys, 'n1');
    // The dead sink: took the lease and the batch, wrote only the runs file, and died before the ack.
    await shared.client.xgroup('CREATE', keys.records('n1'), 'powerprof-sink', '0', 'MKSTREAM');
    await shared.client.set(keys.sinkLease('n1'), 'sink-dead', 'PX', 300);
    const delivered = (await shared.client.xreadgroup('GROUP', 'powerprof-sink', 'sink-dead', 'COUNT', 1000, 'STREAMS', keys.records('n1'), '>')) as Array<
      [string, Array<[string, string[]]>]
    >;
    const entries = delivered[0]![1];
    const range = { first: entries[0]![0], last: entries.at(-1)![0] };
    const files = batchFiles(dir, 'n1', range, before);
    const runs = files.find((file) => file.table === 'runs')!;
    await writeHistoryFile(runs.directory, runs.name, encodeTableFile(tableNamed('runs'), runs.columns), 'sink-dead');
    const power = files.find((file) => file.table === 'power')!;
    await writeHistoryFile(power.directory, `.${power.name}.sink-dead.tmp`, new Uint8Array([1, 2, 3]), 'x'); // a torn temporary

    const other = sink({ consumer: 'sink-b' });
    assert.deepEqual(await other.pass(), { records: 0, files: 0 }, 'the dead sink still holds the lease');
    await new Promise((resolve) => setTimeout(resolve, 350));
    const pass = await other.pass();
    assert.equal(pass.records, 9);
    assert.equal(pass.files, 4, 'the runs file was whole: kept, not written again');
    assert.deepEqual(await readHistory(dir).then((history) => history.get('n1')), before, 'each record exactly once');
    assert.deepEqual(
      readdirSync(power.directory).filter((name) => name.startsWith('.')),
      [],
      'what the dead sink left half-written is gone',
    );
    assert.equal(await shared.client.xlen(keys.records('n1')), 0);
    const [pendingCount] = (await shared.client.xpending(keys.records('n1'), 'powerprof-sink')) as [number];
    assert.equal(pendingCount, 0);
  });

  it('a full or failing disk stops the sink before it acknowledges: the records stay in Redis, and it resumes', async () => {
    const { keys, dir, store, sink } = world();
    await store.append('n1', packRecords(mixedRecords('run-1', 1), 9));
    // A file where the node's partition must go: every write there fails, as on a broken disk.
    rmSync(dir, { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(dir, 'not a folder');
    const writer = sink();
    await assert.rejects(writer.pass(), /ENOTDIR|EEXIST/);
    assert.equal(await shared.client.xlen(keys.records('n1')), 9, 'nothing trimmed');
    rmSync(dir);
    const pass = await writer.pass();
    assert.equal(pass.records, 9, 'the same batch, written once the disk is back');
    assert.equal((await readHistory(dir)).get('n1')!.length, 9);
    assert.equal(await shared.client.xlen(keys.records('n1')), 0);
  });

  it('two sink processes started with one name (the host name, by default) never both take a node', async () => {
    const { keys, store, sink } = world({ batchRecords: 3 });
    await store.append('n1', packRecords(mixedRecords('run-1', 1), 9));
    const first = sink({ consumer: 'same-host' });
    const second = sink({ consumer: 'same-host' });
    const [a, b] = await Promise.all([first.pass(), second.pass()]);
    assert.deepEqual([a.records + b.records, Math.min(a.records, b.records)], [9, 0], 'one of them wrote the node, the other left it alone');
    const holder = await shared.client.get(keys.sinkLease('n1'));
    assert.match(holder ?? '', /^same-host\/[0-9a-f]{12}$/, 'the lease names the process, not only the consumer');
  });

  it('a disk that fills up (a real tmpfs of 64 KiB): ENOSPC, nothing acknowledged, no torn file; once there is room, each record once', async (t) => {
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const { keys, dir, store, sink } = world();
    const mountPoint = join(dir, 'small-disk');
    mkdirSync(mountPoint);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      t.skip(
        `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()}): needs root; the ENOTDIR case above still covers a failing disk`,
      );
      return;
    }
    try {
      const intervals: RecordMessage[] = Array.from({ length: 3_000 }, (_, i) => ({
        seq: i + 1,
        kind: 'counter_interval',
        counter_interval: {
          run_id: 'run-full',
          time_s: i / 10 + 0.000123,
          counters: ['cycles', 'instructions', 'task-clock'].map((event, e) => sampleCounter(event, Math.round(1e9 * Math.sin(i + e) ** 2))),
        },
      }));
      for (let i = 0; i < intervals.length; i += 500) await store.append('n1', packRecords(intervals.slice(i, i + 500), i + 500));
      const writer = sink({ dir: mountPoint, batchRecords: 3_000 });
      await assert.rejects(writer.pass(), /ENOSPC/);
      assert.equal(await shared.client.xlen(keys.records('n1')), 3_000, 'nothing acknowledged, nothing trimmed');
      const files = readdirSync(mountPoint, { recursive: true }).map(String);
      assert.deepEqual(
        files.filter((name) => name.endsWith('.parquet') || name.endsWith('.tmp')),
        [],
        'no file under its final name, and the temporary removed',
      );
      spawnSync('mount', ['-o', 'remount,size=8m', mountPoint]);
      assert.equal((await writer.pass()).records, 3_000, 'with room again, the same batch');
      const history = await readHistory(mountPoint);
      assert.deepEqual(
        history.get('n1')!.map(({ record }) => record.seq),
        intervals.map((record) => record.seq),
      );
      assert.equal(await shared.client.xlen(keys.records('n1')), 0);
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });

  it('several sinks share the nodes, one at a time per node, and every record lands once', async () => {
    const { keys, dir, store, sink } = world({ batchRecords: 4 });
    const nodes = ['a1', 'a2', 'a3', 'a4'];
    for (const node of nodes) await store.append(node, packRecords(mixedRecords(`run-${node}`, 1), 9));
    const sinks = [sink({ consumer: 'one' }), sink({ consumer: 'two' }), sink({ consumer: 'three' })];
    let written = 0;
    for (let round = 0; round < 4; round++) written += (await Promise.all(sinks.map((s) => s.pass()))).reduce((sum, pass) => sum + pass.records, 0);
    assert.equal(written, 36);
    const history = await readHistory(dir);
    for (const node of nodes) {
      const ids = history.get(node)!.map(({ record }) => record.id);
      assert.equal(new Set(ids).size, 9, `${node}: nine distinct records`);
      assert.equal(await shared.client.xlen(keys.records(node)), 0);
    }
    await Promise.all(sinks.map((s) => s.shutdown()));
    for (const node of nodes) assert.equal(await shared.client.exists(keys.sinkLease(node)), 0, 'leases given up at shutdown');
  });
});
