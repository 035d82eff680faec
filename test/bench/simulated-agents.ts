import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import type { Record as RecordInput } from '../../proto/generated/powerprof/v1/Record.js';
import type { Ack } from '../../proto/records.js';
import protobuf from 'protobufjs';
import { loadRecordCodec } from '../../proto/record-codec.js';
import { sampleNodeInfo } from '../proto/sample-records.js';

/**
 * A load generator, run as its own process by the ingest benchmark: many
 * simulated agents, each on its own gRPC connection (its own channel), with
 * a Hello and one Push stream, numbering records as a spool does.
 *
 *   live MODE:     power samples at 1 Hz and counter intervals at 10 Hz per
 *                  agent, sent every 200 ms (the agent's linger), as a live agent does;
 *   power MODE:    power samples at 1 Hz only, each sent as it comes;
 *   saturate MODE: 8 batches of 500 records in flight per agent, as an agent
 *                  draining its spool after an outage does. The batches are put
 *                  together from records encoded once, so that the generator's
 *                  own CPU (on the same cores) takes as little as it can from
 *                  the collector being measured.
 *
 * Prints one JSON line: acked records, ack latencies (ms), errors.
 *   node simulated-agents.js ADDRESS FIRST_AGENT AGENTS MODE SECONDS
 */
const [address, first, count, mode, seconds] = process.argv.slice(2) as [string, string, string, 'live' | 'power' | 'saturate', string];
const proto = loadIngestProto();
const EVENTS = ['cycles', 'instructions', 'cache-references', 'cache-misses', 'branches', 'branch-misses', 'task-clock', 'context-switches', 'page-faults'];

function powerSample(now: number): RecordInput {
  return { power_sample: { source: 'ipmi-dcmi', sensor: 'system', time_unix_ms: now, watts: 400 + (now % 50), min_watts: 380, max_watts: 460, avg_watts: 410, sampling_period_ms: 1000, state: 'activated' } };
}

function counterInterval(runId: string, timeS: number): RecordInput {
  return {
    counter_interval: {
      run_id: runId,
      time_s: timeS,
      counters: EVENTS.map((event, i) => ({ event, value: 1_000_000 * (i + 1), unit: '', running_percent: 100, status: 'COUNTER_STATUS_COUNTED', metric_value: 0, metric_unit: '' })),
    },
  };
}

interface Result {
  acked: number;
  latenciesMs: number[];
  errors: string[];
}

async function simulate(index: number, until: number, result: Result): Promise<void> {
  const node = `sim-${index}`;
  // A distinct channel option gives each simulated agent its own connection, as separate agents have.
  const client = new proto.Ingest(address, grpc.credentials.createInsecure(), { 'grpc.primary_user_agent': node }) as unknown as IngestClient;
  const lastSeq = await new Promise<number>((resolve, reject) =>
    client.Hello(sampleNodeInfo(node), { deadline: Date.now() + 30_000 }, (error, reply) => (error ? reject(error) : resolve(reply!.last_seq))),
  );
  let seq = lastSeq;
  // Batches as objects (a live agent's), or as bytes put together here (saturate).
  const stream = (mode === 'saturate' ? rawPush(client) : client.Push()) as grpc.ClientDuplexStream<unknown, Ack>;
  const sentAt = new Map<number, { at: number; records: number }>();
  let inFlight = 0;
  let wake: (() => void) | undefined;
  stream.on('data', (ack: Ack) => {
    const sent = sentAt.get(ack.seq);
    sentAt.delete(ack.seq);
    inFlight--;
    if (ack.code === 0 && sent !== undefined) {
      result.acked += sent.records;
      result.latenciesMs.push(performance.now() - sent.at);
    } else if (result.errors.length < 5) result.errors.push(`${ack.code}: ${ack.message}`);
    wake?.();
  });
  stream.on('error', (error) => result.errors.length < 5 && result.errors.push(String(error)));
  const sendRaw = (count: number): void => {
    const first = seq + 1;
    seq += count;
    sentAt.set(seq, { at: performance.now(), records: count });
    inFlight++;
    stream.write(encodeBatch(node, first, count, seq - lastSeq));
  };
  const send = (records: RecordInput[]): void => {
    const numbered = records.map((record) => ({ ...record, seq: ++seq }));
    sentAt.set(seq, { at: performance.now(), records: records.length });
    inFlight++;
    stream.write({ node_id: node, seq, records: numbered, produced_records: seq - lastSeq, dropped_records: 0 });
  };
  const runId = `run-${node}`;
  if (mode === 'live' || mode === 'power') {
    // Spread the agents' phases so that they do not all tick together.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
    let tick = 0;
    let waiting: RecordInput[] = [];
    while (performance.now() < until) {
      if (tick % 10 === 0) waiting.push(powerSample(Date.now()));
      if (mode === 'live') waiting.push(counterInterval(runId, tick / 10));
      if (waiting.length > 0 && (mode === 'power' || tick % 2 === 1)) {
        send(waiting);
        waiting = [];
      }
      tick++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } else {
    let t = 0;
    while (performance.now() < until) {
      while (inFlight < 8) sendRaw(500);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  const settle = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < settle) await new Promise((resolve) => setTimeout(resolve, 20));
  stream.end();
  client.close();
}

/** A Push stream whose batches are given as bytes (see encodeBatch); acks are decoded as usual. */
function rawPush(client: IngestClient): grpc.ClientDuplexStream<Buffer, Ack> {
  const push = proto.Ingest.service.Push;
  return (client as unknown as grpc.Client).makeBidiStreamRequest(push.path, (bytes: Buffer) => bytes, push.responseDeserialize as (bytes: Buffer) => Ack);
}

/**
 * A Batch in protobuf bytes, from record bodies encoded once: each record is
 * its body plus field 16 (its seq); the batch is node_id (1), seq (2), the
 * records (3), produced_records (4).
 */
const codec = loadRecordCodec();
const bodies = [powerSample(Date.now()), ...Array.from({ length: 9 }, (_, i) => counterInterval('run-raw', i / 10))].map((record) => Buffer.from(codec.encode(record)));

function encodeBatch(node: string, firstSeq: number, count: number, produced: number): Buffer {
  const writer = protobuf.Writer.create();
  writer.uint32((1 << 3) | 2).string(node);
  writer.uint32(2 << 3).uint64(firstSeq + count - 1);
  for (let i = 0; i < count; i++) {
    const body = bodies[i % bodies.length]!;
    const seqField = protobuf.Writer.create().uint32(16 << 3).uint64(firstSeq + i).finish();
    writer.uint32((3 << 3) | 2).bytes(Buffer.concat([body, seqField]));
  }
  writer.uint32(4 << 3).uint64(produced);
  return Buffer.from(writer.finish());
}

const result: Result = { acked: 0, latenciesMs: [], errors: [] };
const until = performance.now() + Number(seconds) * 1000;
await Promise.all(Array.from({ length: Number(count) }, (_, i) => simulate(Number(first) + i, until, result).catch((error: unknown) => void result.errors.push(String(error)))));
process.stdout.write(`${JSON.stringify(result)}\n`);
