import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { hashToken } from '../../collector/auth/token-file.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { Ack, Batch, HelloReply, NodeInfo } from '../../proto/records.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import { sampleBatch, sampleCounter, sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { metricValue, scrape, startTestCollector } from '../support/in-process-collector.js';
import { promtoolCheckMetrics } from '../support/promtool.js';
import { useRedisServer } from '../support/redis-server.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

const proto = loadIngestProto();

function client(port: number, credentials = grpc.credentials.createInsecure()): IngestClient {
  return new proto.Ingest(`127.0.0.1:${port}`, credentials);
}

function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

function hello(ingest: IngestClient, info: NodeInfo, metadata = new grpc.Metadata()): Promise<HelloReply> {
  return new Promise((resolve, reject) =>
    ingest.Hello(info, metadata, { deadline: Date.now() + 5_000 }, (error, reply) => (error ? reject(error) : resolve(reply!))),
  );
}

/** One batch on a new Push stream: its ack, or the status the stream ended with. */
function pushOnce(ingest: IngestClient, batch: Batch, metadata = new grpc.Metadata()): Promise<Ack> {
  return new Promise((resolve, reject) => {
    const stream = ingest.Push(metadata, { deadline: Date.now() + 5_000 });
    stream.on('data', (ack: Ack) => {
      resolve(ack);
      stream.end();
    });
    stream.on('error', reject);
    stream.write(batch);
  });
}

function rejectsWith(promise: Promise<unknown>, code: grpc.status, details?: RegExp): Promise<void> {
  return assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(grpc.status[error.code], grpc.status[code], error.details);
    if (details !== undefined) assert.match(error.details, details);
    return true;
  });
}

describe('ingest security: mTLS, tokens, hostile input (real gRPC with TLS, real Redis)', () => {
  const shared = useRedisServer();
  let pki: TestPki;
  before(() => {
    pki = createTestPki();
  });

  async function stored(prefix: string, node: string): Promise<number> {
    return shared.client.xlen(redisKeys(prefix).records(node));
  }

  describe('mTLS', () => {
    let collector: Awaited<ReturnType<typeof startTestCollector>>;
    before(async () => {
      collector = await startTestCollector(shared.server.url, {
        tls_cert: pki.path('collector.crt'),
        tls_key: pki.path('collector.key'),
        tls_ca: pki.path('ca.crt'),
      });
    });
    after(() => collector.shutdown());

    const mtls = (name: string, dir = pki.dir): IngestClient =>
      client(
        collector.grpcPort,
        grpc.credentials.createSsl(pki.read('ca.crt'), readFileSync(join(dir, `${name}.key`)), readFileSync(join(dir, `${name}.crt`))),
      );

    it("a node writes as the node its certificate names, and nothing else: node A's certificate as node B is PERMISSION_DENIED, nothing written", async () => {
      const ingest = mtls('node-a');
      try {
        assert.equal((await hello(ingest, sampleNodeInfo('node-a'))).last_seq, 0);
        assert.equal((await pushOnce(ingest, sampleBatch('node-a', 1, ['mine']))).code, grpc.status.OK);
        await rejectsWith(
          hello(ingest, sampleNodeInfo('node-b')),
          grpc.status.PERMISSION_DENIED,
          /client certificate is for node "node-a"; it may not write as node "node-b"/,
        );
        await rejectsWith(
          pushOnce(ingest, sampleBatch('node-b', 1, ['forged'])),
          grpc.status.PERMISSION_DENIED,
          /batch 1: the client certificate is for node "node-a"; it may not write as node "node-b"; nothing written/,
        );
        assert.equal(await stored(collector.config.key_prefix, 'node-a'), 1);
        assert.equal(await stored(collector.config.key_prefix, 'node-b'), 0);
        assert.equal(metricValue(await scrape(collector.metricsPort), 'powerprof_collector_rejected_total{reason="permission_denied"}'), 2);
      } finally {
        ingest.close();
      }
    });

    it('a certificate from another CA, an expired one, no certificate, and plaintext are refused at the handshake; nothing written', async () => {
      const strangers = [
        ['another CA', mtls('node-a', pki.strangerDir)],
        ['expired', client(collector.grpcPort, grpc.credentials.createSsl(pki.read('ca.crt'), pki.read('node-a-expired.key'), pki.read('node-a-expired.crt')))],
        ['no client certificate', client(collector.grpcPort, grpc.credentials.createSsl(pki.read('ca.crt')))],
        ['plaintext', client(collector.grpcPort)],
      ] as const;
      for (const [what, ingest] of strangers) {
        try {
          await rejectsWith(hello(ingest, sampleNodeInfo('node-a')), grpc.status.UNAVAILABLE);
          await rejectsWith(pushOnce(ingest, sampleBatch('node-a', 99, [`by-${what}`])), grpc.status.UNAVAILABLE);
        } finally {
          ingest.close();
        }
      }
      assert.equal(await stored(collector.config.key_prefix, 'node-a'), 1, 'only the one record node-a wrote with its own certificate');
    });

    it('an agent that does not trust the collector (no CA) does not talk to it', async () => {
      const ingest = client(collector.grpcPort, grpc.credentials.createSsl(null, pki.read('node-a.key'), pki.read('node-a.crt')));
      try {
        await rejectsWith(hello(ingest, sampleNodeInfo('node-a')), grpc.status.UNAVAILABLE);
      } finally {
        ingest.close();
      }
    });
  });

  describe('bearer tokens', () => {
    let collector: Awaited<ReturnType<typeof startTestCollector>>;
    const tokenA = 'a'.repeat(40);
    before(async () => {
      const file = join(pki.dir, 'tokens.yaml');
      writeFileSync(file, `tokens:\n  - sha256: ${hashToken(tokenA)}\n    nodes: [node-a]\n`);
      collector = await startTestCollector(shared.server.url, { tokens_file: file });
    });
    after(() => collector.shutdown());

    it('no token or a wrong one is UNAUTHENTICATED; a token used for a node it is not for is PERMISSION_DENIED; nothing written', async () => {
      const ingest = client(collector.grpcPort);
      try {
        await rejectsWith(hello(ingest, sampleNodeInfo('node-a')), grpc.status.UNAUTHENTICATED, /no bearer token/);
        await rejectsWith(pushOnce(ingest, sampleBatch('node-a', 1, ['x'])), grpc.status.UNAUTHENTICATED, /no bearer token/);
        await rejectsWith(hello(ingest, sampleNodeInfo('node-a'), bearer('b'.repeat(40))), grpc.status.UNAUTHENTICATED, /not in the collector's tokens file/);
        await rejectsWith(
          pushOnce(ingest, sampleBatch('node-b', 1, ['x']), bearer(tokenA)),
          grpc.status.PERMISSION_DENIED,
          /bearer token is for node "node-a"; it may not write as node "node-b"/,
        );
        assert.equal((await stored(collector.config.key_prefix, 'node-a')) + (await stored(collector.config.key_prefix, 'node-b')), 0);
        assert.equal((await hello(ingest, sampleNodeInfo('node-a'), bearer(tokenA))).last_seq, 0);
        assert.equal((await pushOnce(ingest, sampleBatch('node-a', 1, ['ok']), bearer(tokenA))).code, grpc.status.OK);
        assert.equal(await stored(collector.config.key_prefix, 'node-a'), 1);
        const metrics = await scrape(collector.metricsPort);
        assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="unauthenticated"}'), 3);
        assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="permission_denied"}'), 1);
      } finally {
        ingest.close();
      }
    });
  });

  describe('hostile input', () => {
    it('a flood from one node is slowed with RESOURCE_EXHAUSTED and a wait, and another node keeps flowing', async () => {
      const collector = await startTestCollector(shared.server.url, { node_rate_limit: 50, node_burst: 100 });
      const flooder = client(collector.grpcPort);
      const quiet = client(collector.grpcPort);
      try {
        const flood = flooder.Push();
        const acks: Ack[] = [];
        flood.on('data', (ack: Ack) => acks.push(ack));
        flood.on('error', () => undefined);
        for (let seq = 1; seq <= 40; seq++)
          flood.write(
            sampleBatch(
              'flooder',
              seq,
              Array.from({ length: 10 }, (_, i) => `f${seq}-${i}`),
            ),
          );
        const quietAcks: Ack[] = [];
        for (let seq = 1; seq <= 5; seq++) quietAcks.push(await pushOnce(quiet, sampleBatch('quiet', seq, [`q${seq}`])));
        await new Promise((resolve) => setTimeout(resolve, 300));
        flood.end();
        assert.deepEqual(
          quietAcks.map((ack) => ack.code),
          [0, 0, 0, 0, 0],
          'the quiet node is not starved',
        );
        assert.equal(await stored(collector.config.key_prefix, 'quiet'), 5);
        const limited = acks.filter((ack) => (ack.code as grpc.status) === grpc.status.RESOURCE_EXHAUSTED);
        assert.ok(limited.length >= 25, `${limited.length} of 40 flood batches limited`);
        assert.ok(limited.every((ack) => ack.retry_after_ms > 0 && /over its rate limit/.test(ack.message)));
        assert.equal(await stored(collector.config.key_prefix, 'flooder'), (40 - limited.length) * 10);
        assert.equal(metricValue(await scrape(collector.metricsPort), 'powerprof_collector_rejected_total{reason="rate_limited"}'), limited.length);
      } finally {
        flooder.close();
        quiet.close();
        await collector.shutdown();
      }
    });

    it('an oversized or malformed batch is refused while a good one right after it lands', async () => {
      const collector = await startTestCollector(shared.server.url, { max_message_bytes: 64 * 1024 });
      const ingest = client(collector.grpcPort);
      try {
        assert.equal((await hello(ingest, sampleNodeInfo('n'))).max_batch_bytes, 64 * 1024, 'agents learn the limit at Hello');
        const stream = ingest.Push();
        const acks: Ack[] = [];
        const got = (count: number) => new Promise<void>((resolve) => stream.on('data', (ack: Ack) => acks.push(ack) === count && resolve()));
        const done = got(4);
        const big = sampleBatch('n', 1, ['big']);
        big.records[0]!.run!.command = Array.from({ length: 1000 }, () => 'x'.repeat(90));
        stream.write(big);
        stream.write(sampleBatch('n', 2, ['good-1']));
        const malformed = sampleBatch('n', 3, ['bad']);
        malformed.records[0]!.run!.counters = [sampleCounter('cycles', Number.POSITIVE_INFINITY)];
        stream.write(malformed);
        stream.write(sampleBatch('n', 4, ['good-2']));
        await done;
        stream.end();
        assert.deepEqual(
          acks.map((ack) => [ack.seq, grpc.status[ack.code]]),
          [
            [1, 'INVALID_ARGUMENT'],
            [2, 'OK'],
            [3, 'OK'],
            [4, 'OK'],
          ],
        );
        assert.match(acks[0]!.message, /^batch 1: \d+ bytes, more than the collector's limit of 65536/);
        assert.deepEqual(
          acks[2]!.refused.map((refusal) => [refusal.index, refusal.reason]),
          [[0, 'invalid_record']],
          'the bad record is refused in an OK ack',
        );
        assert.equal(await stored(collector.config.key_prefix, 'n'), 2);
        const metrics = await scrape(collector.metricsPort);
        assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="too_large"}'), 1);
        assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="invalid_record"}'), 1);
      } finally {
        ingest.close();
        await collector.shutdown();
      }
    });

    it('past the label cap a record is still stored: only its new series are skipped, and counted; hostile label values are escaped and promtool stays clean', async () => {
      const collector = await startTestCollector(shared.server.url, { max_label_values: 3 });
      const ingest = client(collector.grpcPort);
      try {
        const run = (seq: number, events: string[]) =>
          pushOnce(ingest, {
            ...sampleBatch('labels', seq, [`r${seq}`]),
            records: [{ seq: 0, kind: 'run', run: sampleRun(`r${seq}`, { counters: events.map((e) => sampleCounter(e, 1)) }) }],
          });
        assert.equal((await run(1, ['cycles', 'evil"}\n# HELP x\\'])).code, grpc.status.OK);
        assert.equal((await run(2, ['cycles', 'instructions'])).code, grpc.status.OK, 'three distinct events: at the cap');
        const over = await run(3, ['branches', 'cycles']);
        assert.deepEqual([over.code, over.refused], [grpc.status.OK, []]);
        assert.equal(await stored(collector.config.key_prefix, 'labels'), 3, 'every record stored, the one past the cap included');
        const metrics = await scrape(collector.metricsPort);
        assert.equal(metricValue(metrics, 'powerprof_collector_series_skipped_total{reason="label_values"}'), 1);
        assert.equal(
          metricValue(metrics, 'powerprof_run_pmu_events_total{node="labels",workload="resnet50",event="cycles"}'),
          3,
          'series already there go on counting',
        );
        assert.doesNotMatch(metrics, /event="branches"/);
        assert.deepEqual(promtoolCheckMetrics(metrics), { status: 0, output: '' });
        assert.match(metrics, /event="evil\\"}\\n# HELP x\\\\"/);
      } finally {
        ingest.close();
        await collector.shutdown();
      }
    });

    it('bounds the series per node, whatever the label values combine to', async () => {
      const collector = await startTestCollector(shared.server.url, { max_label_values: 1_000, max_series_per_node: 50 });
      const ingest = client(collector.grpcPort);
      try {
        // 10 workloads x 10 events x 2 metric names: a few hundred combinations, each label well under its cap.
        const records = Array.from({ length: 10 }, (_, w) => ({
          seq: 0,
          kind: 'run' as const,
          run: sampleRun(`w${w}`, {
            workload: `workload-${w}`,
            counters: Array.from({ length: 10 }, (_, e) => sampleCounter(`event-${e}`, 1)),
            workload_metrics: { a: 1, b: 2 },
          }),
        }));
        assert.equal((await pushOnce(ingest, { ...sampleBatch('combos', 1, []), records })).code, grpc.status.OK);
        const metrics = await scrape(collector.metricsPort);
        const series = metrics.split('\n').filter((line) => line.startsWith('powerprof_') && line.includes('node="combos"'));
        // + the six series every node has whatever it sends: last seen, and produced, written, dropped and refused (twice).
        assert.ok(series.length <= 50 + 6, `${series.length} series for the node`);
        assert.ok(metricValue(metrics, 'powerprof_collector_series_skipped_total{reason="node_series"}')! > 0);
        assert.equal(await stored(collector.config.key_prefix, 'combos'), 10);
      } finally {
        ingest.close();
        await collector.shutdown();
      }
    });
  });
});

describe('backpressure: Redis slower than the agents', () => {
  const shared = useRedisServer();

  it('memory stays bounded: streams are paused, and past the in-flight cap batches are answered RESOURCE_EXHAUSTED with a wait', async () => {
    const collector = await startTestCollector(shared.server.url, { max_inflight_records: 100 });
    const ingest = client(collector.grpcPort);
    try {
      await shared.client.call('CLIENT', 'PAUSE', '1500', 'WRITE'); // Redis takes no writes for 1.5 s
      const streams = Array.from({ length: 4 }, (_, s) => {
        const stream = ingest.Push();
        const acks: Ack[] = [];
        const done = new Promise<Ack[]>((resolve) => stream.on('data', (ack: Ack) => acks.push(ack) === 20 && resolve(acks)));
        for (let seq = 1; seq <= 20; seq++)
          stream.write(
            sampleBatch(
              `slow-${s}`,
              seq,
              Array.from({ length: 10 }, (_, i) => `s${s}-${seq}-${i}`),
            ),
          );
        return { stream, done };
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      const during = metricValue(await scrape(collector.metricsPort), 'powerprof_collector_inflight_records')!;
      assert.ok(during > 0 && during <= 110, `${during} records held while Redis is paused`);
      const acks = (await Promise.all(streams.map((s) => s.done))).flat();
      for (const { stream } of streams) stream.end();
      const ok = acks.filter((ack) => (ack.code as grpc.status) === grpc.status.OK).length;
      const overloaded = acks.filter((ack) => (ack.code as grpc.status) === grpc.status.RESOURCE_EXHAUSTED);
      assert.equal(ok + overloaded.length, 80);
      assert.ok(overloaded.length > 0 && overloaded.every((ack) => ack.retry_after_ms === 1000 && /unwritten records/.test(ack.message)));
      let written = 0;
      for (let s = 0; s < 4; s++) written += await stored(collector.config.key_prefix, `slow-${s}`);
      assert.equal(written, ok * 10, 'what was acked OK is written; nothing refused is');
      const metrics = await scrape(collector.metricsPort);
      assert.equal(metricValue(metrics, 'powerprof_collector_rejected_total{reason="overloaded"}'), overloaded.length);
      assert.equal(metricValue(metrics, 'powerprof_collector_inflight_records'), 0);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('a stream of large batches is paused by the bytes it has waiting, not only by their number', async () => {
    const collector = await startTestCollector(shared.server.url);
    const ingest = client(collector.grpcPort);
    try {
      // Three records of about 1 MiB each (1,000 counters with 1,000-character event names): 3 MiB a batch.
      const counters = Array.from({ length: 1_000 }, () => sampleCounter('e'.repeat(1_000), 1));
      const record = { seq: 0, kind: 'counter_interval' as const, counter_interval: { run_id: 'r', time_s: 1, counters } };
      await shared.client.call('CLIENT', 'PAUSE', '1500', 'WRITE');
      const stream = ingest.Push();
      const acks: Ack[] = [];
      const done = new Promise<void>((resolve) => stream.on('data', (ack: Ack) => acks.push(ack) === 8 && resolve()));
      for (let seq = 1; seq <= 8; seq++) stream.write({ node_id: 'large', seq, records: [record, record, record], produced_records: 0, dropped_records: 0 });
      await new Promise((resolve) => setTimeout(resolve, 700));
      const during = metricValue(await scrape(collector.metricsPort), 'powerprof_collector_inflight_records')!;
      // Paused once 8 MiB wait (the third batch); by their number alone it would take all eight (24 records).
      assert.ok(during >= 3 && during <= 9, `${during} records held while Redis is paused`);
      await done;
      const closed = new Promise((resolve) => stream.on('end', resolve));
      stream.end();
      await closed;
      assert.deepEqual(
        acks.map((ack) => ack.code),
        Array(8).fill(grpc.status.OK),
      );
      assert.equal(await stored(collector.config.key_prefix, 'large'), 24);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('many streams together are paused by the bytes the collector holds in all, and resumed together: nothing lost', async () => {
    const cap = 1024 * 1024;
    const collector = await startTestCollector(shared.server.url, { max_inflight_bytes: cap });
    const ingest = client(collector.grpcPort);
    try {
      // Eight streams of 200 KB batches: each stream alone stays under its own 8 MiB, together they are 12 MiB.
      const counters = Array.from({ length: 200 }, () => sampleCounter('e'.repeat(1_000), 1));
      const record = { seq: 0, kind: 'counter_interval' as const, counter_interval: { run_id: 'r', time_s: 1, counters } };
      await shared.client.call('CLIENT', 'PAUSE', '1500', 'WRITE');
      const streams = Array.from({ length: 8 }, (_, s) => {
        const stream = ingest.Push();
        const acks: Ack[] = [];
        const done = new Promise<Ack[]>((resolve) => stream.on('data', (ack: Ack) => acks.push(ack) === 8 && resolve(acks)));
        for (let seq = 1; seq <= 8; seq++) stream.write({ node_id: `many-${s}`, seq, records: [record], produced_records: 0, dropped_records: 0 });
        return { stream, done };
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      const during = metricValue(await scrape(collector.metricsPort), 'powerprof_collector_inflight_bytes')!;
      // At the cap, plus at most the batch each stream had in hand when all were paused.
      assert.ok(during > 0 && during <= cap + 8 * 210_000, `${during} bytes held while Redis is paused`);
      const acks = (await Promise.all(streams.map((s) => s.done))).flat();
      for (const { stream } of streams) stream.end();
      assert.deepEqual(new Set(acks.map((ack) => ack.code)), new Set([grpc.status.OK]));
      let written = 0;
      for (let s = 0; s < 8; s++) written += await stored(collector.config.key_prefix, `many-${s}`);
      assert.equal(written, 64);
      assert.equal(metricValue(await scrape(collector.metricsPort), 'powerprof_collector_inflight_bytes'), 0);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  it('a node adding bytes to Redis faster than --node-byte-rate-limit is told to wait; another node is not', async () => {
    // Two batches of about 101 KB fit the burst; the third would need some 5 s of refill at this rate, however slow the machine.
    const collector = await startTestCollector(shared.server.url, { node_byte_rate_limit: 10_000, node_byte_burst: 250_000 });
    const ingest = client(collector.grpcPort);
    try {
      const counters = Array.from({ length: 100 }, () => sampleCounter('e'.repeat(1_000), 1));
      const batch = (node: string, seq: number) => ({
        node_id: node,
        seq,
        records: [{ seq: 0, kind: 'counter_interval' as const, counter_interval: { run_id: 'r', time_s: 1, counters } }],
        produced_records: 0,
        dropped_records: 0,
        spool_epoch: 0,
        refused_records: 0,
      });
      const acks: Ack[] = [];
      for (let seq = 1; seq <= 4; seq++) acks.push(await pushOnce(ingest, batch('greedy', seq)));
      assert.deepEqual(
        acks.map((ack) => ack.code),
        [grpc.status.OK, grpc.status.OK, grpc.status.RESOURCE_EXHAUSTED, grpc.status.RESOURCE_EXHAUSTED],
      );
      assert.match(acks[2]!.message, /over its rate of stored bytes \(--node-byte-rate-limit\); send again in \d+ ms/);
      assert.ok(acks[2]!.retry_after_ms > 0);
      assert.equal((await pushOnce(ingest, batch('modest', 1))).code, grpc.status.OK);
    } finally {
      ingest.close();
      await collector.shutdown();
    }
  });

  async function stored(prefix: string, node: string): Promise<number> {
    return shared.client.xlen(redisKeys(prefix).records(node));
  }
});
