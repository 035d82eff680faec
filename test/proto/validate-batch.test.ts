import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBatchLimits, validateBatch, validateNodeInfo } from '../../proto/validate-batch.js';
import { SAMPLE_TIME_MS, sampleBatch, sampleCounter, sampleNodeInfo, sampleRun } from './sample-records.js';

describe('validateBatch', () => {
  it('accepts a well-formed batch', () => {
    assert.deepEqual(validateBatch(sampleBatch('p9-node1', 1, ['a', 'b'])), { ok: true });
  });

  it('names the batch, the record and the field of a non-finite number', () => {
    const batch = sampleBatch('p9-node1', 17, ['a', 'b', 'c', 'd']);
    batch.records[3] = { seq: 0, kind: 'run', run: sampleRun('d', { counters: [sampleCounter('cycles', 1), sampleCounter('instructions', 1), sampleCounter('branches', Number.NaN)] }) };
    assert.deepEqual(validateBatch(batch), { ok: false, reason: 'invalid_record', message: 'batch 17: record 3: run.counters[2].value is NaN, not a finite number' });
  });

  it('refuses bad node ids, seqs, empty and oversized batches', () => {
    assert.equal(validateBatch(sampleBatch('{evil}', 1, ['a'])).ok, false);
    assert.deepEqual(validateBatch({ ...sampleBatch('n', 0, ['a']) }), { ok: false, reason: 'bad_seq', message: 'batch 0: seq must be a positive integer' });
    assert.deepEqual(validateBatch(sampleBatch('n', 2, [])), { ok: false, reason: 'empty_batch', message: 'batch 2: has no records' });
    const big = validateBatch(sampleBatch('n', 3, ['a', 'b', 'c']), { ...defaultBatchLimits, maxRecordsPerBatch: 2 });
    assert.deepEqual(big, { ok: false, reason: 'too_many_records', message: 'batch 3: 3 records, more than the limit of 2' });
  });

  it('refuses records without a kind, negative durations, unknown statuses and long strings', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ kind: undefined }, /record 0: has no known record kind/],
      [{ seq: 0, kind: 'run', run: sampleRun('a', { duration_ms: -1 }) }, /run\.duration_ms is -1, below 0/],
      [{ seq: 0, kind: 'run', run: sampleRun('a', { status: 'RUN_STATUS_UNSPECIFIED' }) }, /run\.status RUN_STATUS_UNSPECIFIED is not a run status/],
      [{ seq: 0, kind: 'run', run: sampleRun('a', { workload: 'x'.repeat(2000) }) }, /run\.workload is 2000 characters/],
      [{ seq: 0, kind: 'run', run: sampleRun('') }, /run\.run_id is empty/],
      [{ kind: 'power_sample', power_sample: { source: 'ipmi-dcmi', sensor: 'system', time_unix_ms: SAMPLE_TIME_MS, watts: Infinity, state: '' } }, /power_sample\.watts is Infinity/],
      [{ seq: 0, kind: 'node_info', node_info: sampleNodeInfo('other') }, /node_info\.node_id "other" is not the batch's node "n"/],
    ];
    for (const [record, pattern] of cases) {
      const result = validateBatch({ node_id: 'n', seq: 5, records: [{ seq: 0, ...(record as object) } as never], produced_records: 0, dropped_records: 0 });
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.message, pattern);
    }
  });

  it('checks record seqs: all numbered and increasing up to the batch seq, or none numbered', () => {
    const numbered = (seqs: number[], batchSeq: number) => {
      const batch = sampleBatch('n', batchSeq, seqs.map((_, i) => `r${i}`));
      return validateBatch({ ...batch, records: batch.records.map((record, i) => ({ ...record, seq: seqs[i]! })) });
    };
    assert.deepEqual(numbered([7, 8, 9], 9), { ok: true });
    assert.deepEqual(numbered([0, 0], 4), { ok: true }, 'an agent that numbers batches only');
    assert.match(JSON.stringify(numbered([7, 0], 7)), /bad_seq.*some records have a seq and some do not/);
    assert.match(JSON.stringify(numbered([7, 7], 7)), /bad_seq.*record 1: seq 7 is not above the one before \(7\)/);
    assert.match(JSON.stringify(numbered([7, 8], 9)), /bad_seq.*seq must be its last record's seq \(8\)/);
    assert.match(JSON.stringify(validateBatch({ ...sampleBatch('n', 1, ['a']), produced_records: -1 })), /produced_records must be a non-negative integer/);
  });

  it('refuses timestamps far in the future or the past, and records of unknown kinds, each with its reason', () => {
    const now = SAMPLE_TIME_MS;
    const at = (time: number) => validateBatch({ ...sampleBatch('n', 1, ['a']), records: [{ seq: 0, kind: 'run', run: sampleRun('a', { started_time_unix_ms: time }) }] }, defaultBatchLimits, now);
    assert.deepEqual(at(now - 3_600_000), { ok: true });
    assert.match(JSON.stringify(at(now + 2 * 86_400_000)), /bad_timestamp.*run\.started_time_unix_ms is .*, more than 1 day ahead of the collector's clock/);
    assert.match(JSON.stringify(at(now - 500 * 86_400_000)), /bad_timestamp.*more than 400 days in the past/);
    const unknown = validateBatch({ ...sampleBatch('n', 1, ['a']), records: [{ seq: 0 } as never] });
    assert.equal(unknown.ok ? '' : unknown.reason, 'unknown_kind');
  });

  it('checks a Hello', () => {
    assert.equal(validateNodeInfo(sampleNodeInfo('p9-node1')), undefined);
    assert.match(validateNodeInfo(sampleNodeInfo('bad node')) ?? '', /node_id "bad node" must be/);
  });
});
