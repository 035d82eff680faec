import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Backoff } from '../../../agent/transport/backoff.js';
import { channelSecurity } from '../../../agent/transport/channel-security.js';
import { collectorClient, type CollectorClient } from '../../../agent/transport/collector-client.js';
import { PushStream } from '../../../agent/transport/push-stream.js';
import type { Ack, Batch } from '../../../proto/records.js';
import { loadIngestProto } from '../../../proto/load-ingest-proto.js';

const proto = loadIngestProto();

/**
 * A real gRPC server for the Ingest service whose Push answers each batch as
 * the test says: an ack with a code, acks out of order, or the stream ended.
 */
describe('PushStream: send a batch, get its outcome', () => {
  let server: grpc.Server;
  let client: CollectorClient;
  let answer: (batch: Batch, call: grpc.ServerDuplexStream<Batch, Partial<Ack>>) => void = () => undefined;

  before(async () => {
    server = new grpc.Server();
    server.addService(proto.Ingest.service, {
      Hello: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, {}),
      Push: (call: grpc.ServerDuplexStream<Batch, Partial<Ack>>) => call.on('data', (batch: Batch) => answer(batch, call)),
      Jobs: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = collectorClient(`127.0.0.1:${port}`, channelSecurity({ collector: `127.0.0.1:${port}` }));
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  const batch = (seq: number) => ({ node_id: 'n', seq, records: [], produced_records: 0, dropped_records: 0, spool_epoch: 0, refused_records: 0 });

  it('resolves each batch with what its ack says: stored (with refusals), rejected for good, or refused for now with the wait asked', async () => {
    answer = (b, call) => {
      if (b.seq === 1) call.write({ seq: 1, code: grpc.status.OK, last_seq: 1, refused: [{ index: 0, seq: 1, reason: 'bad_timestamp', message: 'too old' }] });
      if (b.seq === 2) call.write({ seq: 2, code: grpc.status.INVALID_ARGUMENT, message: 'not a batch' });
      if (b.seq === 3) call.write({ seq: 3, code: grpc.status.RESOURCE_EXHAUSTED, message: 'slow down', retry_after_ms: 1500 });
    };
    const stream = new PushStream(client.push());
    const outcomes = await Promise.all([stream.send(batch(1)), stream.send(batch(2)), stream.send(batch(3))]);
    assert.equal(outcomes[0].kind, 'stored');
    assert.equal(outcomes[0].kind === 'stored' && outcomes[0].refused[0]!.reason, 'bad_timestamp');
    assert.deepEqual(outcomes[1], { kind: 'rejected', message: 'not a batch' });
    assert.deepEqual(outcomes[2], { kind: 'retry', code: 'RESOURCE_EXHAUSTED', message: 'slow down', retryAfterMs: 1500 });
    assert.equal(stream.inFlight, 0);
    stream.cancel();
  });

  it('an ack for a batch it was not sent loses the stream: every waiting batch is rejected, onLost heard once', async () => {
    answer = (b, call) => {
      if (b.seq === 12) call.write({ seq: 12, code: grpc.status.OK, last_seq: 12 }); // 11 is still waiting
    };
    const stream = new PushStream(client.push());
    const lost: string[] = [];
    stream.onLost((error) => lost.push(error.message));
    const first = stream.send(batch(11));
    const second = stream.send(batch(12));
    await assert.rejects(first, /unexpected ack 12 \(expected 11\)/);
    await assert.rejects(second, /unexpected ack 12/);
    assert.deepEqual(lost, ['unexpected ack 12 (expected 11)']);
    await assert.rejects(stream.send(batch(13)), /unexpected ack/, 'a lost stream takes nothing more');
  });

  it('the collector ending the stream rejects what waits', async () => {
    answer = (_b, call) => call.end();
    const stream = new PushStream(client.push());
    await assert.rejects(stream.send(batch(21)), /collector closed the stream|CANCELLED|UNAVAILABLE/);
    assert.equal(stream.isLost, true);
  });
});

describe('Backoff', () => {
  it('doubles up to its cap, with jitter between half and all of it, never below a wait asked for, and starts over after reset', () => {
    const backoff = new Backoff(100, 1_000);
    const waits = Array.from({ length: 8 }, () => backoff.next());
    const caps = [100, 200, 400, 800, 1000, 1000, 1000, 1000];
    waits.forEach((wait, i) => assert.ok(wait >= caps[i]! / 2 && wait <= caps[i]!, `try ${i + 1}: ${wait} ms, cap ${caps[i]}`));
    assert.ok(backoff.next(5_000) >= 5_000);
    backoff.reset();
    assert.ok(backoff.next() <= 100);
  });
});
