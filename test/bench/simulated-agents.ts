import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { SHIP_BATCH_TARGET_RECORDS, SHIP_LINGER_MS } from '../../agent/transport/delivery.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { IngestClient } from '../../proto/generated/powerprof/v1/Ingest.js';
import type { Record as RecordInput } from '../../proto/generated/powerprof/v1/Record.js';
import type { Ack } from '../../proto/records.js';
import { encodeBatch } from '../../proto/encoded-batch.js';
import { loadRecordCodec } from '../../proto/record-codec.js';
import { sampleNodeInfo } from '../proto/sample-records.js';
import { WARM_UP_MS } from './load-window.js';

/**
 * A load generator, run as its own process by the ingest benchmark: many
 * simulated agents, each on its own gRPC connection (its own channel), with
 * a Hello and one Push stream, numbering records as a spool does.
 *
 *   live MODE:     power samples at 1 Hz and counter intervals at 10 Hz per
 *                  agent, batched as the agent's shipper does (SHIP_BATCH_TARGET_RECORDS
 *                  or SHIP_LINGER_MS, whichever comes first: about a batch a second);
 *   power MODE:    power samples at 1 Hz only, batched the same way (a batch every 5 s);
 *   saturate MODE: 8 batches of 500 records in flight per agent, as an agent
 *                  draining its spool after an outage does. The batches are put
 *                  together from records encoded once, so that the generator's
 *                  own CPU (on the same cores) takes as little as it can from
 *                  the collector being measured.
 *
 * Every agent first connects (Hello, Push stream); then the process prints
 * `ready` and waits for `go` on stdin, so that the benchmark starts all its
 * generators together once the whole fleet is connected. Then 2 s of
 * warm-up, then SECONDS measured: only batches sent inside that window are
 * counted. Prints one JSON line: records acked, ack latencies (ms), batches
 * refused with a wait (RESOURCE_EXHAUSTED: backpressure, not an error), errors.
 *   node simulated-agents.js ADDRESS FIRST_AGENT AGENTS MODE SECONDS
 */
const [address, first, count, mode, seconds] = process.argv.slice(2) as [string, string, string, 'live' | 'power' | 'saturate', string];
const proto = loadIngestProto();
const EVENTS = ['cycles', 'instructions', 'cache-references', 'cache-misses', 'branches', 'branch-misses', 'task-clock', 'context-switches', 'page-faults'];

function powerSample(now: number): RecordInput {
  return {
    power_sample: {
      source: 'ipmi-dcmi',
      sensor: 'system',
      time_unix_ms: now,
      watts: 400 + (now % 50),
      min_watts: 380,
      max_watts: 460,
      avg_watts: 410,
      sampling_period_ms: 1000,
      state: 'activated',
    },
  };
}

function counterInterval(runId: string, timeS: number): RecordInput {
  return {
    counter_interval: {
      run_id: runId,
      time_s: timeS,
      counters: EVENTS.map((event, i) => ({
        event,
        value: 1_000_000 * (i + 1),
        unit: '',
        running_percent: 100,
        status: 'COUNTER_STATUS_COUNTED',
        metric_value: 0,
        metric_unit: '',
      })),
    },
  };
}

interface Result {
  acked: number;
  latenciesMs: number[];
  waits: number;
  errors: string[];
}

const window = { from: 0, until: 0 };

async function simulate(index: number, connected: () => void, go: Promise<void>, result: Result): Promise<void> {
  const node = `sim-${index}`;
  // A distinct channel option gives each simulated agent its own connection, as separate agents have.
  const client = new proto.Ingest(address, grpc.credentials.createInsecure(), { 'grpc.primary_user_agent': node });
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
      // Acked means stored: a record the collector refused alone is not, and is an error of the generator.
      if (ack.refused.length > 0 && result.errors.length < 5) result.errors.push(`refused: ${ack.refused[0]!.message}`);
      if (sent.at >= window.from && sent.at < window.until) {
        result.acked += sent.records - ack.refused.length;
        result.latenciesMs.push(performance.now() - sent.at);
      }
    } else if ((ack.code as grpc.status) === grpc.status.RESOURCE_EXHAUSTED) result.waits++;
    else if (result.errors.length < 5) result.errors.push(`${ack.code}: ${ack.message}`);
    wake?.();
  });
  stream.on('error', (error) => result.errors.length < 5 && result.errors.push(String(error)));
  const sendRaw = (count: number): void => {
    const first = seq + 1;
    seq += count;
    sentAt.set(seq, { at: performance.now(), records: count });
    inFlight++;
    stream.write(encodeBatchOf(node, first, count, seq - lastSeq));
  };
  const send = (records: RecordInput[]): void => {
    const numbered = records.map((record) => ({ ...record, seq: ++seq }));
    sentAt.set(seq, { at: performance.now(), records: records.length });
    inFlight++;
    stream.write({ node_id: node, seq, records: numbered, produced_records: seq - lastSeq, dropped_records: 0 });
  };
  const runId = `run-${node}`;
  connected();
  await go;
  const until = window.until;
  if (mode === 'live' || mode === 'power') {
    // Spread the agents' phases so that they do not all tick together.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
    // Power-only agents wake once a second, as the agent's sampler does; live ones at 10 Hz.
    const tickMs = mode === 'power' ? 1000 : 100;
    const ticksPerSecond = 1000 / tickMs;
    const ticksPerLinger = Math.max(1, Math.round(SHIP_LINGER_MS / tickMs));
    let tick = 0;
    let waiting: RecordInput[] = [];
    let waitedTicks = 0;
    while (performance.now() < until) {
      if (tick % ticksPerSecond === 0) waiting.push(powerSample(Date.now()));
      if (mode === 'live') waiting.push(counterInterval(runId, tick / 10));
      if (waiting.length >= SHIP_BATCH_TARGET_RECORDS || ++waitedTicks >= ticksPerLinger) {
        send(waiting);
        waiting = [];
        waitedTicks = 0;
      }
      tick++;
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  } else {
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

/** A Push stream whose batches are given as bytes (see encodeBatchOf); acks are decoded as usual. */
function rawPush(client: IngestClient): grpc.ClientDuplexStream<Buffer, Ack> {
  const push = proto.Ingest.service.Push;
  return (client as unknown as grpc.Client).makeBidiStreamRequest(push.path, (bytes: Buffer) => bytes, push.responseDeserialize as (bytes: Buffer) => Ack);
}

/**
 * A Batch in protobuf bytes, from record bodies encoded once, put together
 * as the agent puts its spooled records together (proto/encoded-batch.ts),
 * so that the generator spends little of the CPU it shares with the
 * collector.
 */
const codec = loadRecordCodec();
const bodies = [powerSample(Date.now()), ...Array.from({ length: 9 }, (_, i) => counterInterval('run-raw', i / 10))].map((record) => codec.encode(record));

function encodeBatchOf(node: string, firstSeq: number, count: number, produced: number): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ seq: firstSeq + i, payload: bodies[i % bodies.length]! }));
  return encodeBatch({ node_id: node, seq: firstSeq + count - 1, records, produced_records: produced, dropped_records: 0, spool_epoch: 0, refused_records: 0 });
}

const result: Result = { acked: 0, latenciesMs: [], waits: 0, errors: [] };
const agents = Number(count);
let waiting = agents;
let allConnected!: () => void;
const connectedAll = new Promise<void>((resolve) => (allConnected = resolve));
/** Once per agent, whether it connected or failed to. */
const connectedOnce = (): (() => void) => {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--waiting === 0) allConnected();
  };
};
let start!: () => void;
const go = new Promise<void>((resolve) => (start = resolve));
const running = Promise.all(
  Array.from({ length: agents }, (_, i) => {
    const connected = connectedOnce();
    return simulate(Number(first) + i, connected, go, result).catch((error: unknown) => {
      result.errors.push(String(error));
      connected();
    });
  }),
);
await connectedAll;
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  window.from = performance.now() + WARM_UP_MS;
  window.until = window.from + Number(seconds) * 1000;
  start();
});
await running;
process.stdin.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
