import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeBatch } from '../../proto/encoded-batch.js';
import { ingestProtoRoot } from '../../proto/ingest-proto-root.js';
import { loadRecordCodec } from '../../proto/record-codec.js';
import { liveNodeRecords, seededRandom } from '../bench/live-node-records.js';
import { sampleNodeInfo, sampleRun } from './sample-records.js';

const batchType = ingestProtoRoot().lookupType('powerprof.v1.Batch');
const asObject = (bytes: Uint8Array): unknown => batchType.toObject(batchType.decode(bytes), { longs: Number, enums: String, defaults: true });

it("a batch put together from spooled records' bytes decodes to the batch protobuf's own encoder makes of the same records", () => {
  const codec = loadRecordCodec();
  const records = [
    { node_info: sampleNodeInfo('n1') },
    { run: sampleRun('r-ü-1') },
    ...liveNodeRecords(20, 1_764_547_200_000, seededRandom(3)).map(({ seq: _seq, kind: _kind, ...record }) => record),
  ];
  const seqs = records.map((_, i) => 2 ** 40 + i * 1000); // beyond 32 bits
  const encoded = records.map((record, i) => ({ seq: seqs[i]!, payload: codec.encode(record) }));
  const batch = { node_id: 'nöde-1', seq: seqs.at(-1)!, produced_records: 2 ** 35, dropped_records: 3, spool_epoch: 1_764_547_200_123, refused_records: 0 };
  const ours = encodeBatch({ ...batch, records: encoded });
  const theirs = batchType.encode(batchType.fromObject({ ...batch, records: records.map((record, i) => ({ ...record, seq: seqs[i] })) })).finish();
  assert.deepEqual(asObject(ours), asObject(theirs));
  // protobufjs also writes the zeros it is given (refused_records: 0): ours leaves them out, as proto3 encoders do.
  assert.equal(ours.length, theirs.length - 2);
});

it('an empty batch (a ping of counts) leaves out what is zero', () => {
  const ours = encodeBatch({ node_id: 'n', seq: 7, records: [], produced_records: 0, dropped_records: 0, spool_epoch: 0, refused_records: 0 });
  assert.deepEqual([...ours], [0x0a, 1, 0x6e, 0x10, 7]);
  assert.deepEqual(asObject(ours), { node_id: 'n', seq: 7, records: [], produced_records: 0, dropped_records: 0, spool_epoch: 0, refused_records: 0 });
});
