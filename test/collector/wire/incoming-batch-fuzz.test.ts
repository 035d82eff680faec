import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBatchEnvelope } from '../../../collector/wire/incoming-batch.js';
import { defaultBatchLimits } from '../../../proto/record-rules.js';
import type { Batch, Record } from '../../../proto/records.js';
import { SAMPLE_TIME_MS, sampleCounter, sampleNodeInfo, sampleRun } from '../../proto/sample-records.js';
import { asStored, encodeBatch, loaderDecodeBatch, readBytes, unpackRecords } from '../../support/incoming-batches.js';

/**
 * Property-based tests of reading Push batches: whatever a client sends,
 * the collector answers (accept, or refuse with a reason and a sentence)
 * and never throws; what it accepts is clean (finite numbers, no negative
 * power, timestamps in the window, bounded strings); and what it stores is
 * the JSON of what the gRPC loader would decode, record by record.
 */

const RUNS = Number(process.env.POWERPROF_FUZZ_RUNS ?? 300);

// Mostly plausible values, so that batches are accepted as often as refused; the rest hostile.
const number = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: 0, max: 1e9, noNaN: true }) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 1e308, -0), fc.integer()) },
);
const percent = fc.oneof({ weight: 12, arbitrary: fc.constant(100) }, { weight: 1, arbitrary: number });
const text = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.string({ minLength: 1000, maxLength: 3000 }), fc.constantFrom('', '{evil}', 'a\nb', '"', '\\')) },
);
const time = fc.oneof(
  { weight: 12, arbitrary: fc.constant(SAMPLE_TIME_MS) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -1, max: 2 ** 52 }), fc.constantFrom(0, SAMPLE_TIME_MS + 10 * 86_400_000, 946_684_800_000)) },
);

const record: fc.Arbitrary<Record> = fc.oneof(
  fc
    .record({ event: text, value: number, running: percent, status: fc.constantFrom('COUNTER_STATUS_COUNTED', 'COUNTER_STATUS_NOT_SUPPORTED', 'BOGUS') })
    .chain((c) =>
      fc.record({ duration: number, started: time, energy: fc.option(number, { nil: undefined }), workload: text, metric: number }).map((r): Record => ({
        seq: 0,
        kind: 'run',
        run: sampleRun('r', {
          duration_ms: r.duration,
          started_time_unix_ms: r.started,
          workload: r.workload,
          counters: [sampleCounter(c.event, c.value, { running_percent: c.running, status: c.status as never })],
          workload_metrics: { [c.event.slice(0, 70)]: r.metric },
          ...(r.energy === undefined ? {} : { energy_joules: r.energy }),
        }),
      })),
    ),
  fc.record({ watts: number, min: number, time, source: text, sensor: text }).map((p): Record => ({
    seq: 0,
    kind: 'power_sample',
    power_sample: {
      source: p.source,
      sensor: p.sensor,
      time_unix_ms: p.time,
      watts: p.watts,
      min_watts: p.min,
      state: '',
      read_started_unix_ms: 0,
      read_ended_unix_ms: 0,
      stale: false,
    },
  })),
  fc
    .record({ time_s: number, run_id: text })
    .map((i): Record => ({ seq: 0, kind: 'counter_interval', counter_interval: { run_id: i.run_id, time_s: i.time_s, counters: [] } })),
  fc.record({ node: text, time }).map((n): Record => ({ seq: 0, kind: 'node_info', node_info: sampleNodeInfo(n.node, { time_unix_ms: n.time }) })),
  fc.record({ source: text, error: text, time, sensors: fc.array(text, { maxLength: 3 }), up: fc.boolean() }).map((p): Record => ({
    seq: 0,
    kind: 'power_source_status',
    power_source_status: { source: p.source, up: p.up, error: p.error, time_unix_ms: p.time, sensors: p.sensors },
  })),
  fc
    .record({ job: text, message: text, time, state: fc.constantFrom('JOB_STATE_RUNNING', 'JOB_STATE_DONE', 'JOB_STATE_UNSPECIFIED'), runs: fc.nat() })
    .map((j): Record => ({
      seq: 0,
      kind: 'job_status',
      job_status: { job_id: j.job, state: j.state as never, message: j.message, runs: j.runs, time_unix_ms: j.time },
    })),
);

const batch: fc.Arbitrary<Batch> = fc
  .record({
    node: fc.oneof({ weight: 12, arbitrary: fc.constant('n') }, { weight: 1, arbitrary: text }),
    seq: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 1, arbitrary: number }),
    records: fc.array(record, { maxLength: 5 }),
    numbered: fc.boolean(),
  })
  .map(({ node, seq, records, numbered }) => ({
    node_id: node,
    // Numbered records: the batch's seq is its last record's, mostly.
    seq: numbered && records.length > 0 && seq % 7 !== 0 ? records.length : seq,
    records: numbered ? records.map((r, i) => ({ ...r, seq: i + 1 })) : records,
    produced_records: 0,
    dropped_records: 0,
    spool_epoch: 0,
    refused_records: 0,
  }));

function assertClean(value: unknown, path: string): void {
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
    if (/watts|joules|duration|_cpu_s/.test(path)) assert.ok(value >= 0 || /dynamic/.test(path), `${path} is ${value}`);
    if (/unix_ms/.test(path) && value !== 0) assert.ok(value <= SAMPLE_TIME_MS + 4_000_000 + defaultBatchLimits.maxFutureMs, `${path} is in the future`);
  } else if (typeof value === 'string') {
    assert.ok(value.length <= defaultBatchLimits.maxStringLength, `${path} is ${value.length} characters`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) assertClean(inner, `${path}.${key}`);
  }
}

describe('reading Push batches, fuzzed (fast-check)', () => {
  it('never throws; refuses with a reason and a sentence; stores every record it does not refuse, clean, as the loader decodes it', () => {
    const outcomes = { accepted: 0, batchRefused: 0, recordsRefused: 0 };
    fc.assert(
      fc.property(batch, (candidate) => {
        const bytes = encodeBatch(candidate);
        const result = readBytes(bytes);
        const decoded = loaderDecodeBatch(bytes);
        if (!result.ok) {
          outcomes.batchRefused++;
          assert.match(result.reason, /^[a-z_]+$/);
          assert.ok(result.message.startsWith(`batch ${decoded.seq}`), result.message);
          return;
        }
        if (result.refused.length > 0) outcomes.recordsRefused++;
        else outcomes.accepted++;
        const refusedIndexes = new Set(result.refused.map((refusal) => refusal.index));
        for (const refusal of result.refused) {
          assert.match(refusal.reason, /^[a-z_]+$/);
          assert.ok(refusal.message.startsWith(`record ${refusal.index}: `), refusal.message);
          assert.equal(refusal.internal, undefined, `the collector failed on its own: ${refusal.message}`);
        }
        const kept = decoded.records.filter((_, index) => !refusedIndexes.has(index));
        const stored = unpackRecords(result.pack.finish());
        assert.deepEqual(
          stored.map((r) => r.data),
          kept.map((r) => asStored(r)),
        );
        for (const [i, r] of kept.entries()) assertClean(r[r.kind!], `kept[${i}].${r.kind}`);
      }),
      { numRuns: RUNS },
    );
    assert.ok(outcomes.accepted > 0 && outcomes.batchRefused > 0 && outcomes.recordsRefused > 0, `every outcome happens: ${JSON.stringify(outcomes)}`);
  });

  it('bytes off the wire: whatever decodes as a batch is answered without an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          batch.map((b) => new Uint8Array(encodeBatch(b))),
        ),
        fc.integer({ min: 0, max: 50 }),
        (bytes, flip) => {
          const mutated = Buffer.from(bytes);
          if (mutated.length > 0) mutated[flip % mutated.length] = mutated[flip % mutated.length]! ^ 0xff;
          // Bytes that are not a Batch come back marked, to be refused and counted: the deserializer never throws.
          const envelope = decodeBatchEnvelope(mutated);
          const result = readBytes(mutated);
          assert.equal(typeof result.ok, 'boolean');
          if (envelope.malformed !== undefined) assert.ok(!result.ok && result.reason === 'invalid_record', JSON.stringify(result));
          if (result.ok) for (const refusal of result.refused) assert.equal(refusal.internal, undefined, refusal.message);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
