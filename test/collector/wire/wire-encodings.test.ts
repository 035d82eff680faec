import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { decodeBatchEnvelope, readNodeInfo, readRecords } from '../../../collector/wire/incoming-batch.js';
import { ingestProtoRoot } from '../../../proto/ingest-proto-root.js';
import { defaultBatchLimits } from '../../../proto/record-rules.js';
import { loadRecordSchema } from '../../../proto/record-transcoder.js';
import { WireReader } from '../../../proto/wire-reader.js';
import { SAMPLE_TIME_MS, sampleCounter, sampleNodeInfo, sampleRun } from '../../proto/sample-records.js';
import { unpackRecords } from '../../support/incoming-batches.js';

/**
 * Protobuf lets a conforming encoder write one message many ways: fields in
 * any order, a repeated field's entries spread between other fields, a
 * scalar sent more than once (the last counts), a message field sent in
 * parts (they merge), map entries anywhere and a key again (the last
 * counts), fields the reader does not know. A second encoder here takes
 * protobufjs's bytes of a record and writes them again in randomised but
 * valid ways that protobuf's rules say mean the same record; the collector
 * must store exactly what it stores for the plain encoding. (The contract
 * has no repeated numeric field, so packed encodings do not arise.)
 */

const RUNS = Number(process.env.POWERPROF_FUZZ_RUNS ?? 300);
const root = ingestProtoRoot();
const schema = loadRecordSchema();

interface WireField {
  number: number;
  wireType: number;
  /** The value's bytes after the tag (a length-delimited value with its length). */
  raw: Buffer;
}

function readFields(bytes: Buffer): WireField[] {
  const reader = new WireReader(bytes, 0, bytes.length);
  const fields: WireField[] = [];
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    const start = reader.pos;
    reader.skip(tag & 7);
    fields.push({ number: tag >>> 3, wireType: tag & 7, raw: bytes.subarray(start, reader.pos) });
  }
  return fields;
}

function varint(value: number): Buffer {
  const writer = protobuf.Writer.create();
  writer.uint32(value);
  return Buffer.from(writer.finish());
}

function tagged(field: WireField): Buffer {
  return Buffer.concat([varint((field.number << 3) | field.wireType), field.raw]);
}

function payloadOf(raw: Buffer): Buffer {
  const reader = new WireReader(raw, 0, raw.length);
  const end = reader.delimited();
  return raw.subarray(reader.pos, end);
}

function delimited(payload: Buffer): Buffer {
  return Buffer.concat([varint(payload.length), payload]);
}

/** A value of the same wire type that a later occurrence overrides. */
function decoy(wireType: number, random: () => number): Buffer {
  if (wireType === 0) return varint(Math.floor(random() * 1_000_000));
  if (wireType === 1) return Buffer.from(Array.from({ length: 8 }, () => Math.floor(random() * 256)));
  if (wireType === 5) return Buffer.from(Array.from({ length: 4 }, () => Math.floor(random() * 256)));
  return delimited(Buffer.from(`decoy-${Math.floor(random() * 1000)}`));
}

/** Unknown fields, of every wire type, at numbers the contract does not use. */
function unknownField(random: () => number): Buffer {
  const wireType = [0, 1, 2, 5][Math.floor(random() * 4)]!;
  return tagged({ number: 900 + Math.floor(random() * 100), wireType, raw: decoy(wireType, random) });
}

/**
 * The same message, written another valid way. Entries of one field keep
 * their order; everything else may move. A singular message may be split
 * into two parts whose merge is the original (recursively re-encoded).
 */
function reencode(type: protobuf.Type, bytes: Buffer, random: () => number): Buffer {
  const groups = new Map<number, Buffer[]>();
  for (const field of readFields(bytes)) {
    const declared = type.fieldsById[field.number];
    const pieces: Buffer[] = [];
    if (declared === undefined) {
      pieces.push(tagged(field));
    } else if (declared instanceof protobuf.MapField) {
      // A decoy entry with the same key before the real one: the last of a key counts.
      if (random() < 0.3) {
        const entry = readFields(payloadOf(field.raw));
        const key = entry.find((f) => f.number === 1);
        const decoyEntry = Buffer.concat([...(key === undefined ? [] : [tagged(key)]), tagged({ number: 2, wireType: 1, raw: decoy(1, random) })]);
        pieces.push(tagged({ ...field, raw: delimited(decoyEntry) }));
      }
      pieces.push(tagged(field));
    } else if (declared.resolvedType instanceof protobuf.Type) {
      const inner = reencode(declared.resolvedType, payloadOf(field.raw), random);
      if (!declared.repeated && random() < 0.4) {
        // In two parts: merging them (parsing their concatenation) gives the message again.
        const innerFields = readFields(inner);
        const cut = Math.floor(random() * (innerFields.length + 1));
        const first = Buffer.concat(innerFields.slice(0, cut).map(tagged));
        const second = Buffer.concat(innerFields.slice(cut).map(tagged));
        pieces.push(tagged({ ...field, raw: delimited(first) }), tagged({ ...field, raw: delimited(second) }));
      } else {
        pieces.push(tagged({ ...field, raw: delimited(inner) }));
      }
    } else {
      // A scalar sent twice: the decoy first, the value last.
      if (!declared.repeated && random() < 0.3) pieces.push(tagged({ ...field, raw: decoy(field.wireType, random) }));
      pieces.push(tagged(field));
    }
    const group = groups.get(field.number) ?? [];
    group.push(...pieces);
    groups.set(field.number, group);
  }
  // Interleave the groups at random, each group's pieces in their order; unknown fields anywhere.
  const queues = [...groups.values()].map((pieces) => [...pieces]);
  const out: Buffer[] = [];
  while (queues.some((queue) => queue.length > 0)) {
    if (random() < 0.1) out.push(unknownField(random));
    const open = queues.filter((queue) => queue.length > 0);
    out.push(open[Math.floor(random() * open.length)]!.shift()!);
  }
  return Buffer.concat(out);
}

/** A Batch of one record whose message is written the other way. */
function batchWith(record: object, random: () => number): Buffer {
  const recordType = root.lookupType('powerprof.v1.Record');
  const plain = Buffer.from(recordType.encode(recordType.fromObject(record)).finish());
  const again = reencode(recordType, plain, random);
  const batchType = root.lookupType('powerprof.v1.Batch');
  const envelope = Buffer.from(batchType.encode(batchType.fromObject({ node_id: 'n', seq: 5 })).finish());
  return Buffer.concat([envelope, varint((3 << 3) | 2), delimited(again)]);
}

function stored(bytes: Buffer): unknown[] {
  const read = readRecords(decodeBatchEnvelope(bytes), schema, defaultBatchLimits);
  assert.ok(read.ok, JSON.stringify(read));
  assert.deepEqual(read.refused, [], 'a valid encoding is never refused');
  return unpackRecords(read.pack.finish()).map((record) => record.data);
}

const records = [
  {
    seq: 5,
    run: sampleRun('run-1', {
      counters: [sampleCounter('cycles', 123, { scaled_value: 150, running_percent: 82 }), sampleCounter('instructions', 456), sampleCounter('branches', 7)],
      workload_metrics: { RIGHTS: 480, ACC: 0.96, items: 500 },
      derived: { ipc: 3.7 },
      energy_joules: 12.5,
      command: ['python3', 'resnet50.py', '--batch', '32'],
    }),
  },
  {
    seq: 5,
    counter_interval: { run_id: 'run-1', time_s: 0.25, counters: [sampleCounter('task-clock', 99.5, { unit: 'msec' }), sampleCounter('page-faults', 12)] },
  },
  {
    seq: 5,
    power_sample: {
      source: 'ipmi-dcmi',
      sensor: 'system',
      time_unix_ms: SAMPLE_TIME_MS,
      watts: 512,
      min_watts: 100,
      avg_watts: 300,
      state: 'activated',
      read_started_unix_ms: SAMPLE_TIME_MS - 5,
      read_ended_unix_ms: SAMPLE_TIME_MS + 5,
    },
  },
  { seq: 5, node_info: sampleNodeInfo('n', { spool_epoch: 12345 }) },
];

describe('the collector reads any valid encoding of a record as protobuf says', () => {
  for (const record of records) {
    const kind = Object.keys(record).find((key) => key !== 'seq')!;
    it(`${kind}: stored exactly as its plain encoding is, however it was written`, () => {
      const expected = stored(batchWith(record, () => 0.99)); // 0.99: no decoys, no splits, no unknown fields
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          let state = seed >>> 0;
          const random = (): number => {
            state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
            return state / 2 ** 32;
          };
          assert.deepEqual(stored(batchWith(record, random)), expected);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('a field sent twice: the last value is stored, once (not two fields)', () => {
    // power_sample { source "s", sensor "x", watts 5, watts 7, time } in a Record with seq 5.
    const type = root.lookupType('powerprof.v1.PowerSample');
    const base = Buffer.from(type.encode(type.fromObject({ source: 's', sensor: 'x', time_unix_ms: SAMPLE_TIME_MS })).finish());
    const watts = (value: number) => {
      const writer = protobuf.Writer.create();
      writer.uint32((4 << 3) | 1).double(value);
      return Buffer.from(writer.finish());
    };
    const message = Buffer.concat([base, watts(5), watts(7)]);
    const record = Buffer.concat([varint((3 << 3) | 2), delimited(message), varint(16 << 3), varint(5)]);
    const batchType = root.lookupType('powerprof.v1.Batch');
    const envelope = Buffer.from(batchType.encode(batchType.fromObject({ node_id: 'n', seq: 5 })).finish());
    const [data] = stored(Buffer.concat([envelope, varint((3 << 3) | 2), delimited(record)]));
    assert.equal((data as { watts: number }).watts, 7);
    const read = readRecords(decodeBatchEnvelope(Buffer.concat([envelope, varint((3 << 3) | 2), delimited(record)])), schema, defaultBatchLimits);
    assert.ok(read.ok);
    const [entry] = unpackRecords(read.pack.finish());
    assert.deepEqual(
      entry!.fields.filter((_, i, fields) => i % 2 === 0 && fields[i] === 'watts'),
      ['watts'],
    );
  });

  it('a Hello written another way is the same node', () => {
    const type = root.lookupType('powerprof.v1.NodeInfo');
    const info = sampleNodeInfo('p9-node1', { spool_epoch: 77 });
    const plain = Buffer.from(type.encode(type.fromObject(info)).finish());
    let state = 7;
    const random = (): number => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
    for (let i = 0; i < 50; i++) assert.deepEqual(readNodeInfo(reencode(type, plain, random), schema, defaultBatchLimits), { ok: true, info });
  });

  it('checks the test itself: its encodings do differ from the plain one', () => {
    const recordType = root.lookupType('powerprof.v1.Record');
    const plain = Buffer.from(recordType.encode(recordType.fromObject(records[0]!)).finish());
    let state = 1;
    const random = (): number => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
    const variants = new Set(Array.from({ length: 20 }, () => reencode(recordType, plain, random).toString('hex')));
    assert.ok(variants.size > 15 && !variants.has(plain.toString('hex')), `${variants.size} distinct encodings`);
  });
});
