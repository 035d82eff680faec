import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Spool } from '../../agent/spool/spool.js';
import { channelSecurity } from '../../agent/transport/channel-security.js';
import { collectorClient, type CollectorClient } from '../../agent/transport/collector-client.js';
import { RecordShipper, type ShipperOptions } from '../../agent/transport/record-shipper.js';
import { RecordStore } from '../../collector/queue/record-store.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import { loadRecordCodec } from '../../proto/record-codec.js';
import { loadRecordCheck } from '../../proto/record-check.js';
import { sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { freePort } from '../support/free-port.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { useRedisServer } from '../support/redis-server.js';
import { testLogger } from '../support/silent-logger.js';
import { storedRecord } from '../support/stored-records.js';

const codec = loadRecordCodec();
const check = loadRecordCheck();
const root = mkdtempSync(join(tmpdir(), 'powerprof-shipper-'));
after(() => rmSync(root, { recursive: true, force: true }));

function openSpool(nodeId: string): Spool {
  return Spool.open({ directory: join(root, nodeId), nodeId, maxBytes: 1 << 30, fsync: 'runs', syncIntervalMs: 1000, codec, check, logger: testLogger });
}

/** The shippers' connections, closed when the file's tests end (a shipper leaves its client to its owner). */
const clients: CollectorClient[] = [];
after(() => clients.forEach((client) => client.close()));

function shipper(
  port: number,
  spool: Spool,
  nodeId: string,
  batching: Partial<Pick<ShipperOptions, 'lingerMs' | 'batchTargetRecords' | 'maxRecordsPerBatch'>> = {},
): RecordShipper {
  const client = collectorClient(`127.0.0.1:${port}`, channelSecurity({ collector: `127.0.0.1:${port}` }));
  clients.push(client);
  const agent = new RecordShipper({
    client,
    nodeInfo: sampleNodeInfo(nodeId),
    logger: testLogger,
    spool,
    maxRecordsPerBatch: 2,
    maxBatchBytes: 1 << 20,
    maxBatchesInFlight: 2,
    lingerMs: 0,
    batchTargetRecords: 1_000,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    helloTimeoutMs: 1_000,
    ...batching,
  });
  agent.start();
  return agent;
}

describe('RecordShipper: ships the spool, nothing lost, nothing twice', () => {
  const shared = useRedisServer();

  async function storedRunIds(prefix: string, node: string): Promise<string[]> {
    const entries = await shared.client.xrange(redisKeys(prefix).records(node), '-', '+');
    return entries.map(([, fields]) => storedRecord(fields).run_id);
  }

  it('keeps records while the collector is down and delivers them once it starts', async () => {
    const port = await freePort();
    const spool = openSpool('late-node');
    const agent = shipper(port, spool, 'late-node');
    spool.append(['r1', 'r2', 'r3'].map((id) => ({ run: sampleRun(id) })));
    await new Promise((resolve) => setTimeout(resolve, 300)); // several failed connection attempts
    assert.equal(spool.countPending(), 3);
    assert.match(agent.lastDeliveryError, /UNAVAILABLE/);

    const collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}` });
    try {
      assert.equal(await agent.flush(10_000), true);
      assert.deepEqual(await storedRunIds(collector.config.key_prefix, 'late-node'), ['r1', 'r2', 'r3']);
      assert.equal(agent.stats.ackedRecords, 3);
    } finally {
      agent.shutdown();
      spool.close();
      await collector.shutdown();
    }
  });

  it('records wait for company up to the linger; a batch of the target size goes at once', async () => {
    const port = await freePort();
    const collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}` });
    const spool = openSpool('batching-node');
    const agent = shipper(port, spool, 'batching-node', { lingerMs: 60_000, batchTargetRecords: 2, maxRecordsPerBatch: 100 });
    const stored = (): Promise<string[]> => storedRunIds(collector.config.key_prefix, 'batching-node');
    try {
      spool.append([{ run: sampleRun('a0') }]);
      assert.equal(await agent.flush(10_000), true, 'connected (a flush sends at once)');
      spool.append([{ run: sampleRun('a1') }]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(await stored(), ['a0'], 'one record waits within the linger');
      spool.append([{ run: sampleRun('a2') }]);
      const deadline = Date.now() + 10_000;
      while (spool.hasPending() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(await stored(), ['a0', 'a1', 'a2'], 'the second made a batch');
    } finally {
      agent.shutdown();
      spool.close();
      await collector.shutdown();
    }
  });

  it('resends unacked records after a collector restart without writing any twice', async () => {
    const port = await freePort();
    let collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}` });
    const prefix = collector.config.key_prefix;
    const spool = openSpool('restart-node');
    const agent = shipper(port, spool, 'restart-node');
    try {
      spool.append(['a1', 'a2', 'a3', 'a4'].map((id) => ({ run: sampleRun(id) })));
      assert.equal(await agent.flush(10_000), true);
      await collector.shutdown();
      spool.append(['b1', 'b2', 'b3'].map((id) => ({ run: sampleRun(id) })));
      await new Promise((resolve) => setTimeout(resolve, 200));
      collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}`, key_prefix: prefix });
      assert.equal(await agent.flush(10_000), true);
      assert.deepEqual(await storedRunIds(prefix, 'restart-node'), ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']);
    } finally {
      agent.shutdown();
      spool.close();
      await collector.shutdown();
    }
  });

  it('an agent restarted on the same spool delivers what the last one left, once', async () => {
    const port = await freePort();
    const first = openSpool('reborn-node');
    const gone = shipper(port, first, 'reborn-node');
    first.append(['x1', 'x2', 'x3'].map((id) => ({ run: sampleRun(id) })));
    gone.shutdown();
    first.close();

    const collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}` });
    const spool = openSpool('reborn-node');
    const agent = shipper(port, spool, 'reborn-node');
    try {
      spool.append([{ run: sampleRun('x4') }]);
      assert.equal(await agent.flush(10_000), true);
      assert.deepEqual(await storedRunIds(collector.config.key_prefix, 'reborn-node'), ['x1', 'x2', 'x3', 'x4']);
      assert.deepEqual(await new RecordStore(shared.client, redisKeys(collector.config.key_prefix), 0).completeness('reborn-node'), {
        produced: 4,
        written: 4,
        dropped: 0,
        refused: 0,
        agentRefused: 0,
      });
    } finally {
      agent.shutdown();
      spool.close();
      await collector.shutdown();
    }
  });

  it('a record the collector refuses leaves the spool alone, counted; its neighbours in the same batch are stored', async () => {
    const collector = await startTestCollector(shared.server.url);
    const spool = openSpool('mixed-node');
    const agent = shipper(collector.grpcPort, spool, 'mixed-node');
    try {
      // Two days ahead of the collector's clock: the agent cannot tell (its clock is all it has), the collector refuses it.
      const future = Date.now() + 2 * 86_400_000;
      spool.append([
        { run: sampleRun('ok-1') },
        { run: sampleRun('future', { started_time_unix_ms: future, ended_time_unix_ms: future }) },
        { run: sampleRun('ok-2') },
      ]);
      assert.equal(await agent.flush(10_000), true);
      assert.deepEqual(agent.stats, { ackedRecords: 2, rejectedRecords: 1, duplicateBatches: 0 });
      assert.deepEqual(await storedRunIds(collector.config.key_prefix, 'mixed-node'), ['ok-1', 'ok-2']);
      const counts = await new RecordStore(shared.client, redisKeys(collector.config.key_prefix), 0).completeness('mixed-node');
      assert.deepEqual([counts.produced, counts.written, counts.refused], [3, 2, 1], 'produced = written + refused: nothing unaccounted for');
    } finally {
      agent.shutdown();
      spool.close();
      await collector.shutdown();
    }
  });

  it("a forged mark in the agent's own epoch mid-stream: the agent keeps the batch, starts a new epoch, and every record lands once", async () => {
    const collector = await startTestCollector(shared.server.url);
    const spool = openSpool('forged-node');
    const agent = shipper(collector.grpcPort, spool, 'forged-node');
    const proto = loadIngestProto();
    const forger = new proto.Ingest(`127.0.0.1:${collector.grpcPort}`, grpc.credentials.createInsecure());
    try {
      spool.append([{ run: sampleRun('before') }]);
      assert.equal(await agent.flush(10_000), true);
      const epoch = spool.epoch;
      // Someone writes as this node, in its epoch, with the highest seq there is (a buggy agent is enough).
      await new Promise<void>((resolve, reject) => {
        const push = forger.Push();
        push.on('data', () => {
          push.end();
          resolve();
        });
        push.on('error', reject);
        push.write({
          node_id: 'forged-node',
          seq: Number.MAX_SAFE_INTEGER,
          spool_epoch: epoch,
          records: [{ seq: Number.MAX_SAFE_INTEGER, run: sampleRun('forged') }],
        });
      });
      spool.append([{ run: sampleRun('after-1') }, { run: sampleRun('after-2') }]);
      assert.equal(await agent.flush(15_000), true);
      assert.notEqual(spool.epoch, epoch, 'a new epoch');
      assert.deepEqual(await storedRunIds(collector.config.key_prefix, 'forged-node'), ['before', 'forged', 'after-1', 'after-2']);
      spool.append([{ run: sampleRun('later') }]);
      assert.equal(await agent.flush(10_000), true);
      assert.deepEqual((await storedRunIds(collector.config.key_prefix, 'forged-node')).slice(-1), ['later']);
    } finally {
      forger.close();
      agent.shutdown();
      spool.close();
      await collector.shutdown();
    }
  });

  it('says it could not deliver by the deadline; the records stay in the spool', async () => {
    const spool = openSpool('lonely-node');
    const agent = shipper(await freePort(), spool, 'lonely-node');
    spool.append([{ run: sampleRun('x') }]);
    assert.equal(await agent.flush(300), false);
    assert.equal(spool.countPending(), 1);
    agent.shutdown();
    spool.close();
  });
});
