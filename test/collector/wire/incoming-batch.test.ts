import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNodeInfo } from '../../../collector/wire/incoming-batch.js';
import { defaultBatchLimits } from '../../../proto/record-rules.js';
import { loadRecordSchema } from '../../../proto/record-transcoder.js';
import { loadIngestProto } from '../../../proto/load-ingest-proto.js';
import { SAMPLE_TIME_MS, sampleBatch, sampleCounter, sampleNodeInfo, sampleRun } from '../../proto/sample-records.js';
import { encodeBatch, readBatch, readBytes, unpackRecords } from '../../support/incoming-batches.js';

/** A batch's refusal, or its first record's, as { ok, reason, message }; { ok: true } for a batch stored whole. */
function validateBatch(batch: unknown, limits = defaultBatchLimits, nowMs = Date.now()): { ok: true } | { ok: false; reason: string; message: string } {
  const result = readBatch(batch, limits, nowMs);
  if (!result.ok) return result;
  const first = result.refused[0];
  return first === undefined ? { ok: true } : { ok: false, reason: first.reason, message: first.message };
}

describe('reading a Push batch', () => {
  it('accepts a well-formed batch and packs its records for the Lua script (a run as JSON)', () => {
    const batch = sampleBatch('p9-node1', 1, ['a', 'b']);
    const result = readBatch(batch);
    assert.ok(result.ok);
    assert.deepEqual(
      unpackRecords(result.pack.finish()).map(({ seq, kind, data }) => ({ seq, kind, data })),
      batch.records.map((record) => ({ seq: '1', kind: 'run', data: JSON.parse(JSON.stringify(record.run)) as unknown })),
    );
    assert.equal(result.records[0]!.run!.run_id, 'a', 'run records are parsed for the metrics');
  });

  it('names the batch, the record and the field of a non-finite number', () => {
    const batch = sampleBatch('p9-node1', 17, ['a', 'b', 'c', 'd']);
    batch.records[3] = {
      seq: 0,
      kind: 'run',
      run: sampleRun('d', { counters: [sampleCounter('cycles', 1), sampleCounter('instructions', 1), sampleCounter('branches', Number.NaN)] }),
    };
    assert.deepEqual(validateBatch(batch), { ok: false, reason: 'invalid_record', message: 'record 3: run.counters[2].value is NaN, not a finite number' });
  });

  it('refuses a bad record alone, with its index, seq and reason, and packs its neighbours', () => {
    const batch = sampleBatch('n', 12, ['a', 'b', 'c']);
    const numbered = { ...batch, records: batch.records.map((record, i) => ({ ...record, seq: 10 + i })) };
    numbered.records[1] = { ...numbered.records[1]!, run: sampleRun('b', { duration_ms: Number.NaN }) };
    const result = readBatch(numbered);
    assert.ok(result.ok);
    assert.deepEqual(result.refused, [{ index: 1, seq: 11, reason: 'invalid_record', message: 'record 1: run.duration_ms is NaN, not a finite number' }]);
    assert.deepEqual(
      unpackRecords(result.pack.finish()).map((record) => [record.seq, (record.data as { run_id: string }).run_id]),
      [
        ['10', 'a'],
        ['12', 'c'],
      ],
    );
    assert.deepEqual(
      result.records.map((record) => record.run!.run_id),
      ['a', 'c'],
    );
  });

  it('a batch of nothing but bad records is still read: every record refused, nothing packed', () => {
    const batch = sampleBatch('n', 3, ['a', 'b']);
    batch.records = batch.records.map((record) => ({ ...record, run: sampleRun('', {}) }));
    const result = readBatch(batch);
    assert.ok(result.ok);
    assert.deepEqual([result.records.length, result.refused.map((refusal) => refusal.index)], [0, [0, 1]]);
  });

  it('refuses bad node ids, seqs, empty and oversized batches', () => {
    assert.equal(validateBatch(sampleBatch('{evil}', 1, ['a'])).ok, false);
    assert.deepEqual(validateBatch({ ...sampleBatch('n', 0, ['a']) }), {
      ok: false,
      reason: 'bad_seq',
      message: 'batch 0: seq must be a positive integer below 2^53',
    });
    assert.deepEqual(validateBatch(sampleBatch('n', 2, [])), { ok: false, reason: 'empty_batch', message: 'batch 2: has no records' });
    const big = validateBatch(sampleBatch('n', 3, ['a', 'b', 'c']), { ...defaultBatchLimits, maxRecordsPerBatch: 2 });
    assert.deepEqual(big, { ok: false, reason: 'too_many_records', message: 'batch 3: 3 records, more than the limit of 2' });
  });

  it('bounds what a batch takes stored: records that grow from a few bytes on the wire to JSON are refused past the limit', () => {
    // A run's counters with only an event and a status: 7 bytes each on the wire, about 19 times that written out.
    const sparse = {
      seq: 0,
      kind: 'run',
      run: { ...sampleRun('r'), counters: Array.from({ length: 1_024 }, () => ({ event: 'x', status: 'COUNTER_STATUS_COUNTED' })) },
    };
    const batch = { node_id: 'n', seq: 4, records: Array.from({ length: 20 }, () => sparse), produced_records: 0, dropped_records: 0 };
    const wireBytes = encodeBatch(batch).length;
    const accepted = readBatch(batch);
    assert.ok(accepted.ok);
    const storedBytes = accepted.pack.finish().length;
    assert.ok(storedBytes > 15 * wireBytes, `${storedBytes} bytes stored from ${wireBytes} on the wire`);
    const limit = Math.floor(storedBytes / 2);
    const refused = validateBatch(batch, { ...defaultBatchLimits, maxStoredBatchBytes: limit });
    assert.equal(refused.ok, false);
    assert.equal(refused.ok ? '' : refused.reason, 'too_large');
    assert.match(
      refused.ok ? '' : refused.message,
      new RegExp(`^batch 4: record 9: the batch would take more than ${limit} bytes stored \\(from ${wireBytes} on the wire\\); send fewer records a batch$`),
    );
  });

  it('refuses records without a kind, negative durations, unknown statuses and long strings', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ kind: undefined }, /record 0: has no known record kind/],
      [{ seq: 0, kind: 'run', run: sampleRun('a', { duration_ms: -1 }) }, /run\.duration_ms is -1, below 0/],
      [{ seq: 0, kind: 'run', run: sampleRun('a', { status: 'RUN_STATUS_UNSPECIFIED' }) }, /run\.status RUN_STATUS_UNSPECIFIED is not a run status/],
      [{ seq: 0, kind: 'run', run: sampleRun('a', { workload: 'x'.repeat(2000) }) }, /run\.workload is 2000 characters/],
      [{ seq: 0, kind: 'run', run: sampleRun('') }, /run\.run_id is empty/],
      [
        { kind: 'power_sample', power_sample: { source: 'ipmi-dcmi', sensor: 'system', time_unix_ms: SAMPLE_TIME_MS, watts: Infinity, state: '' } },
        /power_sample\.watts is Infinity/,
      ],
      [{ seq: 0, kind: 'node_info', node_info: sampleNodeInfo('other') }, /node_info\.node_id "other" is not the batch's node "n"/],
    ];
    for (const [record, pattern] of cases) {
      const result = validateBatch({ node_id: 'n', seq: 5, records: [{ seq: 0, ...(record as object) }], produced_records: 0, dropped_records: 0 });
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.message, pattern);
    }
  });

  it('checks record seqs: all numbered and increasing up to the batch seq, or none numbered', () => {
    const numbered = (seqs: number[], batchSeq: number) => {
      const batch = sampleBatch(
        'n',
        batchSeq,
        seqs.map((_, i) => `r${i}`),
      );
      return validateBatch({ ...batch, records: batch.records.map((record, i) => ({ ...record, seq: seqs[i]! })) });
    };
    assert.deepEqual(numbered([7, 8, 9], 9), { ok: true });
    assert.deepEqual(numbered([0, 0], 4), { ok: true }, 'an agent that numbers batches only');
    assert.match(JSON.stringify(numbered([7, 0], 7)), /bad_seq.*record 1: seq is 0, but the records before it have seqs/);
    assert.match(JSON.stringify(numbered([7, 7], 7)), /bad_seq.*record 1: seq 7 is not above the record before \(7\)/);
    assert.match(JSON.stringify(numbered([7, 8], 9)), /bad_seq.*seq must be its last record's seq \(8\)/);
    assert.match(JSON.stringify(numbered([7, 10], 9)), /bad_seq.*record 1: seq 10 is not above the record before \(7\) and at most the batch's seq/);
    // Beyond 2^53 a count is no longer exact as a number: refused.
    assert.match(
      JSON.stringify(validateBatch({ ...sampleBatch('n', 1, ['a']), produced_records: '18446744073709551615' })),
      /produced_records must be an integer below 2\^53/,
    );
  });

  it('refuses timestamps far in the future or the past, and records of unknown kinds, each with its reason', () => {
    const now = SAMPLE_TIME_MS;
    const at = (time: number) =>
      validateBatch(
        { ...sampleBatch('n', 1, ['a']), records: [{ seq: 0, kind: 'run', run: sampleRun('a', { started_time_unix_ms: time }) }] },
        defaultBatchLimits,
        now,
      );
    assert.deepEqual(at(now - 3_600_000), { ok: true });
    assert.match(JSON.stringify(at(now + 2 * 86_400_000)), /bad_timestamp.*run\.started_time_unix_ms is .*, more than 1 day ahead of the collector's clock/);
    assert.match(JSON.stringify(at(now - 500 * 86_400_000)), /bad_timestamp.*more than 400 days in the past/);
    // Past what a JavaScript Date holds (±8.64e15 ms): still a refusal with its reason, never an exception.
    assert.match(
      JSON.stringify(at(8.64e15 + 1)),
      /bad_timestamp.*run\.started_time_unix_ms is 8640000000000001 ms after 1970 \(past the year 275760\), more than 1 day ahead/,
    );
    assert.match(JSON.stringify(at(Number.MAX_SAFE_INTEGER)), /bad_timestamp/);
    const unknown = validateBatch({ ...sampleBatch('n', 1, ['a']), records: [{ seq: 0 }] });
    assert.equal(unknown.ok ? '' : unknown.reason, 'unknown_kind');
  });

  it('checks a Hello', () => {
    const schema = loadRecordSchema();
    const encode = loadIngestProto().Ingest.service.Hello.requestSerialize as (info: unknown) => Buffer;
    const hello = (info: unknown) => readNodeInfo(encode(info), schema, defaultBatchLimits);
    assert.deepEqual(hello(sampleNodeInfo('p9-node1')), { ok: true, info: sampleNodeInfo('p9-node1') });
    assert.match(JSON.stringify(hello(sampleNodeInfo('bad node'))), /node_id \\"bad node\\" must be/);
    assert.match(JSON.stringify(hello(sampleNodeInfo('n', { time_unix_ms: 0 }))), /node_info.time_unix_ms is 0, not a Unix time/);
    assert.match(JSON.stringify(readNodeInfo(Buffer.from([0x0a, 0x05, 0x61]), schema, defaultBatchLimits)), /not a valid protobuf NodeInfo/);
  });

  it('refuses records that are not protobuf and fields of the wrong wire type; reads repeated fields spread between others', () => {
    const node = (bytes: number[]) => Buffer.from([0x0a, 0x01, 0x6e, 0x10, 0x05, 0x1a, bytes.length, ...bytes]); // node_id "n", seq 5, one record
    const truncated = readBytesResult(node([0x22, 0x10, 0x0a]));
    assert.match(truncated, /invalid_record.*record 0: is not a valid protobuf Record \(the message ends inside a field/);
    // counter_interval (4) { time_s (2) as a varint instead of a double }
    assert.match(readBytesResult(node([0x22, 0x04, 0x0a, 0x01, 0x72, 0x10])), /counter_interval.time_s has wire type 0, where a double field has 1/);
    // counter_interval { run_id "r", counters [{event "a", COUNTED}], time_s 1.0, counters [{event "b", COUNTED}] }
    const spread = [0x0a, 0x01, 0x72, 0x1a, 0x05, 0x0a, 0x01, 0x61, 0x28, 0x01, 0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x1a, 0x05, 0x0a, 0x01, 0x62, 0x28, 0x01];
    const read = readBytes(node([0x22, spread.length, ...spread]));
    assert.ok(read.ok && read.refused.length === 0, JSON.stringify(read));
    const stored = unpackRecords(read.pack.finish())[0]!.data as { run_id: string; time_s: number; counters: Array<{ event: string }> };
    assert.deepEqual([stored.run_id, stored.time_s, stored.counters.map((c) => c.event)], ['r', 1, ['a', 'b']]);
  });

  it('writes what the loader would give: defaults, enum names, optional markers, escaped and non-ASCII strings, maps', () => {
    const run = sampleRun('ré"sumé\n', {
      workload_metrics: { images_per_s: 12.5, 'top-1': 0.76 },
      derived: {},
      energy_joules: 1.5,
      exit_code: -1,
      warmup: true,
      fingerprint: null,
      signal: '\u2603',
      counters: [sampleCounter('cycles', 2 ** 53 - 1, { scaled_value: 0.5 })],
    });
    const batch = { node_id: 'n', seq: 3, records: [{ seq: 3, run }], produced_records: 0, dropped_records: 0 };
    const result = readBatch(batch);
    assert.ok(result.ok, JSON.stringify(result));
    const loader = loadIngestProto().Ingest.service.Push.requestDeserialize as (bytes: Buffer) => { records: Array<{ run: unknown }> };
    assert.deepEqual(unpackRecords(result.pack.finish())[0]!.data, JSON.parse(JSON.stringify(loader(encodeBatch(batch)).records[0]!.run)));
  });
});

/** What reading the bytes gives, as text: the batch's refusal, or its records' refusals. */
function readBytesResult(bytes: Buffer): string {
  const read = readBytes(bytes);
  return JSON.stringify(read.ok ? read.refused : read);
}
