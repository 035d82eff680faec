import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Spool } from '../../agent/spool/spool.js';
import { channelSecurity } from '../../agent/transport/channel-security.js';
import { collectorClient } from '../../agent/transport/collector-client.js';
import { RecordShipper } from '../../agent/transport/record-shipper.js';
import { readAllRecords } from '../../collector/export/read-all-records.js';
import { readHistory } from '../../collector/history/read-history.js';
import { RecordStore } from '../../collector/queue/record-store.js';
import { HistorySink } from '../../collector/sink/history-sink.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { loadRecordCodec } from '../../proto/record-codec.js';
import { loadRecordCheck } from '../../proto/record-check.js';
import { SAMPLE_TIME_MS, sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { testLogger } from '../support/silent-logger.js';

/**
 * Past one machine: a real 3-master Redis Cluster and two stateless
 * collectors; 20 agents spread over both land everything exactly once.
 */
describe('Redis Cluster: two collectors, twenty agents, a 3-master cluster', () => {
  let cluster: RedisCluster;
  const root = mkdtempSync(join(tmpdir(), 'powerprof-cluster-spools-'));
  before(async () => {
    cluster = await startRedisCluster(3);
  });
  after(async () => {
    await cluster.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('every record lands once, each node on its shard, with the seq check and the append in one slot', async () => {
    const collectors = [
      await startTestCollector(cluster.url, { redis_cluster: true, key_prefix: 'powerprof' }),
      await startTestCollector(cluster.url, { redis_cluster: true, key_prefix: 'powerprof' }),
    ];
    const codec = loadRecordCodec();
    const check = loadRecordCheck();
    const agents = Array.from({ length: 20 }, (_, i) => {
      const node = `cluster-node-${i + 1}`;
      const collector = collectors[i % 2]!;
      const spool = Spool.open({
        directory: join(root, node),
        nodeId: node,
        maxBytes: 1 << 30,
        fsync: 'runs',
        syncIntervalMs: 1000,
        codec,
        check,
        logger: testLogger,
      });
      const client = collectorClient(`127.0.0.1:${collector.grpcPort}`, channelSecurity({ collector: `127.0.0.1:${collector.grpcPort}` }));
      const shipper = new RecordShipper({
        client,
        nodeInfo: sampleNodeInfo(node),
        logger: testLogger,
        spool,
        maxRecordsPerBatch: 25,
        maxBatchBytes: 1 << 20,
        maxBatchesInFlight: 4,
        lingerMs: 50,
        batchTargetRecords: 1_000,
        backoffInitialMs: 20,
        backoffMaxMs: 200,
        helloTimeoutMs: 2_000,
      });
      shipper.start();
      return { node, spool, shipper, client };
    });
    try {
      for (const { node, spool } of agents) {
        spool.append([{ node_info: sampleNodeInfo(node) }]);
        for (let run = 1; run <= 3; run++) {
          spool.append(
            Array.from({ length: 30 }, (_, i) => ({
              power_sample: { source: 'hwmon', sensor: 'System', time_unix_ms: SAMPLE_TIME_MS + run * 1000 + i, watts: 400 + i },
            })),
          );
          spool.append([{ run: sampleRun(`${node}-run-${run}`) }]);
        }
      }
      const drained = await Promise.all(agents.map(({ shipper }) => shipper.flush(30_000)));
      assert.deepEqual(
        drained,
        agents.map(() => true),
      );

      const client = cluster.client();
      try {
        const keys = redisKeys('powerprof');
        const store = new RecordStore(client, keys, 0);
        const shards = new Set<string>();
        for (const { node } of agents) {
          const entries = await client.xrange(keys.records(node), '-', '+');
          assert.equal(entries.length, 1 + 3 * 31, `${node}: every record once`);
          assert.equal(new Set(entries.map(([, fields]) => fields[1])).size, entries.length, `${node}: no seq twice`);
          assert.deepEqual(await store.completeness(node), { produced: 94, written: 94, dropped: 0, refused: 0, agentRefused: 0 });
          const slots = await Promise.all(
            [keys.records(node), keys.epochs(node), keys.seq(node), keys.counts(node)].map((key) => client.cluster('KEYSLOT', key)),
          );
          assert.equal(new Set(slots).size, 1, `${node}: its keys share one slot`);
          // redis-cli gives three masters the slot ranges 0-5460, 5461-10922, 10923-16383.
          shards.add(slots[0]! < 5461 ? 'first' : slots[0]! < 10923 ? 'second' : 'third');
        }
        assert.ok(shards.size >= 2, `nodes spread over more than one master: ${[...shards].join(', ')}`);
        assert.equal((await store.nodes()).length, 20);
      } finally {
        client.disconnect();
      }
      const exported = await readAllRecords({ redis: cluster.url, keyPrefix: 'powerprof', cluster: true });
      assert.equal(exported.runs.length, 60, 'export reads a cluster too');

      // Two history sinks drain the cluster into one folder: each record in Parquet once, Redis emptied.
      const historyDir = join(root, 'history');
      const sinkClients = [cluster.client(), cluster.client()];
      try {
        const keys = redisKeys('powerprof');
        const sinks = sinkClients.map(
          (client, i) =>
            new HistorySink(
              client,
              keys,
              { dir: historyDir, consumer: `sink-${i}`, group: 'powerprof-sink', batchRecords: 40, flushIntervalMs: 0, leaseMs: 30_000, pollMs: 50 },
              testLogger,
            ),
        );
        let sunk = 0;
        for (let round = 0; round < 10 && sunk < 20 * 94; round++)
          sunk += (await Promise.all(sinks.map((sink) => sink.pass()))).reduce((sum, pass) => sum + pass.records, 0);
        assert.equal(sunk, 20 * 94, 'every record written once');
        const history = await readHistory(historyDir);
        for (const { node } of agents) {
          const records = history.get(node) ?? [];
          assert.equal(new Set(records.map(({ record }) => record.id)).size, 94, `${node}: 94 distinct records in Parquet`);
          assert.equal(await sinkClients[0]!.xlen(keys.records(node)), 0, `${node}: trimmed from its shard`);
          assert.equal(await sinkClients[0]!.cluster('KEYSLOT', keys.sinkLease(node)), await sinkClients[0]!.cluster('KEYSLOT', keys.records(node)));
        }
        await Promise.all(sinks.map((sink) => sink.shutdown()));
      } finally {
        sinkClients.forEach((client) => client.disconnect());
      }
      const fromHistory = await readAllRecords({ redis: cluster.url, keyPrefix: 'powerprof', cluster: true, history: historyDir });
      assert.equal(fromHistory.runs.length, 60, 'export reads the history with the cluster, each run once');
    } finally {
      for (const { shipper, spool, client } of agents) {
        shipper.shutdown();
        client.close();
        spool.close();
      }
      await Promise.all(collectors.map((collector) => collector.shutdown()));
    }
  });
});
