import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { Ack, Batch, HelloReply, NodeInfo } from '../../proto/records.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import { sampleBatch, sampleCounter, sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { metricValue, scrape, startTestCollector } from '../support/in-process-collector.js';
import { startRedisServer, useRedisServer } from '../support/redis-server.js';
import { storedRecord } from '../support/stored-records.js';

const proto = loadIngestProto();
const encodeBatch = proto.Ingest.service.Push.requestSerialize as (batch: Batch) => Buffer;
const decodeAck = proto.Ingest.service.Push.responseDeserialize as (bytes: Buffer) => Ack;

/** grpc.health.v1.Health/Check for a service, as a load balancer or grpc_health_probe asks it. */
function healthStatus(port: number, service: string): Promise<string> {
  const definition = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: {
      health: {
        v1: {
          Health: new (
            address: string,
            credentials: grpc.ChannelCredentials,
          ) => grpc.Client & { Check(request: { service: string }, callback: (error: grpc.ServiceError | null, reply: { status: string }) => void): void };
        };
      };
    };
  };
  const client = new loaded.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.Check({ service }, (error, reply) => {
      client.close();
      if (error !== null) reject(error);
      else resolve(reply.status);
    }),
  );
}

function client(port: number): IngestClient {
  return new proto.Ingest(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

function hello(ingest: IngestClient, info: NodeInfo): Promise<HelloReply> {
  return new Promise((resolve, reject) => ingest.Hello(info, (error, reply) => (error ? reject(error) : resolve(reply!))));
}

/** Opens a Push stream; send() resolves with the next ack, or rejects when the stream ends with an error. */
function pushStream(ingest: IngestClient): { send(batch: Batch): Promise<Ack>; ended: Promise<grpc.ServiceError | undefined>; close(): void } {
  const stream = ingest.Push();
  const waiting: Array<{ resolve: (ack: Ack) => void; reject: (error: Error) => void }> = [];
  stream.on('data', (ack: Ack) => waiting.shift()?.resolve(ack));
  const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
    stream.on('error', (error: grpc.ServiceError) => {
      for (const w of waiting.splice(0)) w.reject(error);
      resolve(error);
    });
    stream.on('end', () => resolve(undefined));
  });
  return {
    send: (batch) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        stream.write(batch);
      }),
    ended,
    close: () => stream.end(),
  };
}

describe('Ingest service: real gRPC server on port 0, real Redis', () => {
  const shared = useRedisServer();

  it('Hello tells the last applied seq', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      assert.equal((await hello(ingest, sampleNodeInfo('p9-node1'))).last_seq, 0);
      const push = pushStream(ingest);
      assert.equal((await push.send(sampleBatch('p9-node1', 7, ['r1']))).code, grpc.status.OK);
      push.close();
      const reply = await hello(ingest, sampleNodeInfo('p9-node1'));
      assert.equal(reply.last_seq, 7);
      assert.match(reply.collector_version, /^\d+\.\d+\.\d+/);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('removes every series of a node silent past --node-expiry-s; live nodes keep theirs', async () => {
    const collector = await startTestCollector(shared.server.url, { node_expiry_s: 1 });
    const ingest = client(collector.grpcPort);
    try {
      const push = pushStream(ingest);
      await push.send(sampleBatch('gone-node', 1, ['g1']));
      // The live node speaks every 0.5 s, well within the second; the other falls silent.
      for (let seq = 1; seq <= 3; seq++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await push.send(sampleBatch('live-node', seq, [`l${seq}`]));
        if (seq === 1) assert.match(await scrape(collector.metricsPort), /node="gone-node"/);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const metrics = await scrape(collector.metricsPort);
      assert.doesNotMatch(metrics, /node="gone-node"/, 'no series of the silent node is left');
      assert.equal(
        metricValue(metrics, 'powerprof_runs_total{node="live-node",workload="resnet50",status="ok"}'),
        3,
        metrics
          .split('\n')
          .filter((l) => l.includes('live-node'))
          .join('\n'),
      );
      assert.equal(metricValue(metrics, 'powerprof_node_records_written_total{node="live-node"}'), 3);
      push.close();
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('writes the same batch sent twice (a retry on a new stream) once, and counts it once', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      const batch = sampleBatch('p9-node1', 1, ['r1', 'r2', 'r3']);
      const first = pushStream(ingest);
      assert.deepEqual(await first.send(batch), { seq: 1, code: 0, message: '', duplicate: false, retry_after_ms: 0, refused: [], last_seq: 1 });
      first.close();
      const retry = pushStream(ingest);
      assert.deepEqual(await retry.send(batch), { seq: 1, code: 0, message: '', duplicate: true, retry_after_ms: 0, refused: [], last_seq: 1 });
      // On one stream seqs only grow: the same seq again there is a broken sender, refused.
      const again = await retry.send(batch);
      assert.deepEqual(
        [again.code, again.message],
        [grpc.status.INVALID_ARGUMENT, 'batch 1: seq is not above node "p9-node1"\'s previous batch on this stream (1)'],
      );
      retry.close();
      assert.equal(await shared.client.xlen(redisKeys(collector.config.key_prefix).records('p9-node1')), 3);
      const metrics = await scrape(collector.metricsPort);
      assert.equal(metricValue(metrics, 'powerprof_runs_total{node="p9-node1",workload="resnet50",status="ok"}'), 3);
      assert.equal(metricValue(metrics, 'powerprof_collector_records_total{kind="run"}'), 3);
      assert.equal(metricValue(metrics, 'powerprof_collector_duplicate_batches_total'), 1);
      assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="seq_regression"}'), 1);
      assert.equal(metricValue(metrics, 'powerprof_run_pmu_events_total{node="p9-node1",workload="resnet50",event="cycles"}'), 3_000_000);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('refuses a bad record alone, saying which and why in the ack; its neighbours are stored, and counted', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      const push = pushStream(ingest);
      assert.equal((await push.send(sampleBatch('p9-node1', 1, ['good-1']))).code, grpc.status.OK);
      const mixed = sampleBatch('p9-node1', 2, ['good-2', 'bad', 'good-3']);
      mixed.records[1] = { seq: 0, kind: 'run', run: sampleRun('bad', { counters: [sampleCounter('cycles', Number.NaN)] }) };
      assert.deepEqual(await push.send(mixed), {
        seq: 2,
        code: grpc.status.OK,
        message: 'batch 2: 1 of 3 records refused, the others stored; first: record 1: run.counters[0].value is NaN, not a finite number',
        duplicate: false,
        retry_after_ms: 0,
        refused: [{ index: 1, seq: 0, reason: 'invalid_record', message: 'record 1: run.counters[0].value is NaN, not a finite number' }],
        last_seq: 2,
      });
      assert.equal((await push.send(sampleBatch('p9-node1', 3, ['good-4']))).code, grpc.status.OK);
      push.close();
      const stream = redisKeys(collector.config.key_prefix).records('p9-node1');
      const runIds = (await shared.client.xrange(stream, '-', '+')).map(([, fields]) => storedRecord(fields).run_id);
      assert.deepEqual(runIds, ['good-1', 'good-2', 'good-3', 'good-4'], "every good record, the bad one's neighbours included");
      const metrics = await scrape(collector.metricsPort);
      assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="invalid_record"}'), 1);
      assert.equal(metricValue(metrics, 'powerprof_node_records_refused_total{node="p9-node1"}'), 1);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('a timestamp past what a Date holds is a refused record (bad_timestamp), never a storage failure; the stream goes on', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      const push = pushStream(ingest);
      const far = sampleBatch('far-node', 1, ['far']);
      far.records[0] = { seq: 0, kind: 'run', run: sampleRun('far', { started_time_unix_ms: 9_000_000_000_000_000 }) };
      const ack = await push.send(far);
      assert.equal(ack.code, grpc.status.OK);
      assert.equal(ack.refused[0]!.reason, 'bad_timestamp');
      assert.match(ack.refused[0]!.message, /past the year 275760/);
      assert.equal((await push.send(sampleBatch('far-node', 2, ['near']))).code, grpc.status.OK, 'the next good batch lands on the same stream');
      push.close();
      assert.equal(metricValue(await scrape(collector.metricsPort), 'powerprof_collector_rejected_total{reason="bad_timestamp"}'), 1);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('one forged batch with seq 2^53-1 locks no one out: seqs are scoped to the spool epoch', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      const numbered = (seq: number, id: string, epoch: number) => {
        const batch = sampleBatch('victim', seq, [id]);
        return { ...batch, spool_epoch: epoch, records: batch.records.map((record) => ({ ...record, seq })) };
      };
      const forger = pushStream(ingest);
      assert.equal((await forger.send(numbered(Number.MAX_SAFE_INTEGER, 'forged', 666))).code, grpc.status.OK);
      forger.close();
      assert.equal((await hello(ingest, sampleNodeInfo('victim', { spool_epoch: 4242 }))).last_seq, 0, "the real agent's epoch is untouched");
      const agent = pushStream(ingest);
      const ack = await agent.send(numbered(1_700_000_000_000_001, 'real', 4242));
      assert.deepEqual([ack.code, ack.duplicate, ack.last_seq], [grpc.status.OK, false, 1_700_000_000_000_001]);
      agent.close();
      const runIds = (await shared.client.xrange(redisKeys(collector.config.key_prefix).records('victim'), '-', '+')).map(([, f]) => storedRecord(f).run_id);
      assert.deepEqual(runIds, ['forged', 'real']);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('a message that is not a Batch is refused on its ack, logged and counted; the stream goes on', async () => {
    const collector = await startTestCollector(shared.server.url);
    const raw = new grpc.Client(`127.0.0.1:${collector.grpcPort}`, grpc.credentials.createInsecure());
    try {
      const stream = raw.makeBidiStreamRequest(
        '/powerprof.v1.Ingest/Push',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => decodeAck(bytes),
      );
      const acks: Array<{ seq: number; code: number; message: string }> = [];
      stream.on('data', (ack: { seq: number; code: number; message: string }) => acks.push(ack));
      const ended = new Promise<grpc.StatusObject | Error>((resolve) => {
        stream.on('status', resolve);
        stream.on('error', resolve);
      });
      stream.write(Buffer.from([0x1a, 0x7f, 0x00])); // a record field that claims 127 bytes and has 1
      stream.write(encodeBatch(sampleBatch('raw-node', 1, ['after-garbage'])));
      stream.end();
      await ended;
      assert.equal(acks.length, 2, JSON.stringify(acks));
      assert.equal(acks[0]!.code, grpc.status.INVALID_ARGUMENT);
      assert.match(acks[0]!.message, /is not a valid protobuf Batch \(the message ends inside a field/);
      assert.equal(acks[1]!.code, grpc.status.OK);
      assert.equal(metricValue(await scrape(collector.metricsPort), 'powerprof_collector_rejected_total{reason="invalid_record"}'), 1);
    } finally {
      raw.close();
      await collector.shutdown();
    }
  });

  it('a message over the gRPC size limit ends its call, and is logged and counted as too_large', async () => {
    const collector = await startTestCollector(shared.server.url, { max_message_bytes: 4096 });
    const ingest = client(collector.grpcPort);
    try {
      const push = pushStream(ingest);
      const huge = sampleBatch(
        'huge-node',
        1,
        Array.from({ length: 200 }, (_, i) => `run-${i}-${'x'.repeat(40)}`),
      );
      await assert.rejects(push.send(huge), (error: grpc.ServiceError) => error.code === grpc.status.RESOURCE_EXHAUSTED);
      assert.equal(metricValue(await scrape(collector.metricsPort), 'powerprof_collector_rejected_total{reason="too_large"}'), 1);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('a job status for a job never sent to the node is kept in its stream and writes no job key', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      const push = pushStream(ingest);
      const made_up = {
        ...sampleBatch('jobs-node', 1, []),
        records: [
          {
            seq: 0,
            kind: 'job_status' as const,
            job_status: { job_id: 'made-up-job', state: 'JOB_STATE_DONE' as const, message: '', runs: 3, time_unix_ms: Date.now() },
          },
        ],
      };
      assert.equal((await push.send(made_up)).code, grpc.status.OK);
      push.close();
      assert.deepEqual(await shared.client.keys(`${collector.config.key_prefix}:job:*`), []);
      assert.equal(await shared.client.xlen(redisKeys(collector.config.key_prefix).records('jobs-node')), 1);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('refuses a Hello from an invalid node id', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      await assert.rejects(hello(ingest, sampleNodeInfo('node with spaces')), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        assert.match(error.details, /^Hello: node_id "node with spaces" must be/);
        return true;
      });
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('answers UNAVAILABLE while Redis is down, acks nothing unwritten, and takes the batch once it is back', async () => {
    const ownRedis = await startRedisServer();
    const collector = await startTestCollector(ownRedis.url);
    const ingest = client(collector.grpcPort);
    try {
      assert.equal(await healthStatus(collector.grpcPort, 'powerprof.v1.Ingest'), 'SERVING');
      const first = pushStream(ingest);
      assert.equal((await first.send(sampleBatch('n1', 1, ['before']))).code, grpc.status.OK);
      await ownRedis.kill();
      await assert.rejects(first.send(sampleBatch('n1', 2, ['during'])), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAVAILABLE);
        assert.match(error.details, /^storage unavailable, retry later/);
        return true;
      });
      await assert.rejects(hello(ingest, sampleNodeInfo('n1')), (error: grpc.ServiceError) => error.code === grpc.status.UNAVAILABLE);
      assert.equal(await healthStatus(collector.grpcPort, ''), 'NOT_SERVING', 'the gRPC health service says so too');

      await ownRedis.start(); // an empty Redis: the outage lost nothing acked because nothing else was acked
      const ready = Date.now() + 10_000;
      while (!(await fetch(`http://127.0.0.1:${collector.metricsPort}/readyz`)).ok && Date.now() < ready) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await healthStatus(collector.grpcPort, 'powerprof.v1.Ingest'), 'SERVING');
      const second = pushStream(ingest);
      assert.equal((await second.send(sampleBatch('n1', 2, ['during']))).duplicate, false);
      second.close();
      const third = pushStream(ingest);
      assert.equal((await third.send(sampleBatch('n1', 2, ['during']))).duplicate, true);
      third.close();
    } finally {
      ingest.close();
      await collector.shutdown();
      await ownRedis.stop();
    }
  });
});
