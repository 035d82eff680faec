import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { RecordShipper } from '../../agent/transport/record-shipper.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import { sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { freePort } from '../support/free-port.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { useRedisServer } from '../support/redis-server.js';
import { testLogger } from '../support/silent-logger.js';

const proto = loadIngestProto();

function shipper(port: number, nodeId: string): RecordShipper {
  return new RecordShipper({
    address: `127.0.0.1:${port}`,
    nodeInfo: sampleNodeInfo(nodeId),
    proto,
    logger: testLogger,
    credentials: grpc.credentials.createInsecure(),
    maxRecordsPerBatch: 2,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    helloTimeoutMs: 1_000,
  });
}

describe('RecordShipper: nothing lost, nothing twice', () => {
  const shared = useRedisServer();

  async function storedRunIds(prefix: string, node: string): Promise<string[]> {
    const entries = await shared.client.xrange(redisKeys(prefix).records(node), '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]!).run_id as string);
  }

  it('keeps records while the collector is down and delivers them once it starts', async () => {
    const port = await freePort();
    const agent = shipper(port, 'late-node');
    agent.enqueue(['r1', 'r2', 'r3'].map((id) => ({ run: sampleRun(id) })));
    await new Promise((resolve) => setTimeout(resolve, 300)); // several failed connection attempts
    assert.equal(agent.pendingRecords, 3);
    assert.match(agent.lastDeliveryError, /UNAVAILABLE/);

    const collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}` });
    try {
      assert.equal(await agent.flush(10_000), 0);
      assert.deepEqual(await storedRunIds(collector.config.key_prefix, 'late-node'), ['r1', 'r2', 'r3']);
      assert.equal(agent.stats.ackedRecords, 3);
    } finally {
      agent.shutdown();
      await collector.shutdown();
    }
  });

  it('resends unacked batches after a collector restart without writing any twice', async () => {
    const port = await freePort();
    let collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}` });
    const prefix = collector.config.key_prefix;
    const agent = shipper(port, 'restart-node');
    try {
      agent.enqueue(['a1', 'a2', 'a3', 'a4'].map((id) => ({ run: sampleRun(id) })));
      assert.equal(await agent.flush(10_000), 0);
      await collector.shutdown();
      agent.enqueue(['b1', 'b2', 'b3'].map((id) => ({ run: sampleRun(id) })));
      await new Promise((resolve) => setTimeout(resolve, 200));
      collector = await startTestCollector(shared.server.url, { grpc_listen: `127.0.0.1:${port}`, key_prefix: prefix });
      assert.equal(await agent.flush(10_000), 0);
      assert.deepEqual(await storedRunIds(prefix, 'restart-node'), ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']);
    } finally {
      agent.shutdown();
      await collector.shutdown();
    }
  });

  it('drops a batch the collector refuses as invalid, counts it, and delivers the rest', async () => {
    const collector = await startTestCollector(shared.server.url);
    const agent = shipper(collector.grpcPort, 'mixed-node');
    try {
      agent.enqueue([{ run: sampleRun('ok-1') }]);
      agent.enqueue([{ run: sampleRun('bad', { duration_ms: -5 }) }]);
      agent.enqueue([{ run: sampleRun('ok-2') }]);
      assert.equal(await agent.flush(10_000), 0);
      assert.deepEqual(agent.stats, { ackedRecords: 2, rejectedRecords: 1, duplicateBatches: 0 });
      assert.deepEqual(await storedRunIds(collector.config.key_prefix, 'mixed-node'), ['ok-1', 'ok-2']);
    } finally {
      agent.shutdown();
      await collector.shutdown();
    }
  });

  it('says how many records it could not deliver by the deadline', async () => {
    const agent = shipper(await freePort(), 'lonely-node');
    agent.enqueue([{ run: sampleRun('x') }]);
    assert.equal(await agent.flush(300), 1);
    agent.shutdown();
  });
});
