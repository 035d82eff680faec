import type { JobStatus, NodeInfo, PowerSample, PowerSourceStatus, RunRecord } from '../../proto/records.js';
import { ByteWriter } from '../../proto/byte-writer.js';
import { RecordPack } from '../queue/record-pack.js';
import type { BatchLimits } from '../../proto/record-rules.js';
import type { RecordKind } from '../../proto/records.js';
import { FieldError, readRecordHeader, transcodeMessage, type RecordSchema } from '../../proto/record-transcoder.js';
import { WireError, WireReader } from '../../proto/wire-reader.js';

/**
 * A Push batch as the collector receives it: the envelope is read when the
 * message arrives; its records are read, checked and turned into their
 * stored JSON only once the batch may be written (readRecords). A refusal
 * names the batch, the record and the field in one sentence, and carries a
 * stable reason for the rejected-records counter.
 */
export interface IncomingBatch {
  node_id: string;
  seq: number;
  produced_records: number;
  dropped_records: number;
  /** The whole message. */
  bytes: Buffer;
  /** Where each record lies in it, unread: start and end, one pair per record. */
  recordOffsets: number[];
  recordCount: number;
  /** The batch's size on the wire. */
  wireBytes: number;
}

/**
 * A record ready to store. The kinds that the metrics, the label cap and
 * the job store read are also parsed into their message; counter intervals,
 * most of what arrives, are not.
 */
export interface IngestRecord {
  /** The record's own seq; 0 from an agent that numbers batches only. */
  seq: number;
  kind: RecordKind;
  node_info?: NodeInfo;
  run?: RunRecord;
  power_sample?: PowerSample;
  power_source_status?: PowerSourceStatus;
  job_status?: JobStatus;
}

export type RejectReason = 'bad_node_id' | 'bad_seq' | 'empty_batch' | 'too_many_records' | 'too_large' | 'invalid_record' | 'bad_timestamp' | 'unknown_kind';

export type ReadRecords = { ok: true; records: IngestRecord[]; pack: RecordPack } | { ok: false; reason: RejectReason; message: string };

/** Node ids become Redis key parts and label values: no braces, spaces or colons. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const BATCH_NODE_ID = (1 << 3) | 2;
const BATCH_SEQ = 2 << 3;
const BATCH_RECORD = (3 << 3) | 2;
const BATCH_PRODUCED = 4 << 3;
const BATCH_DROPPED = 5 << 3;

/** The gRPC deserializer of Push: throws on bytes that are not a Batch, as the loader's would. */
export function decodeBatchEnvelope(bytes: Buffer): IncomingBatch {
  const reader = new WireReader(bytes, 0, bytes.length);
  const batch: IncomingBatch = { node_id: '', seq: 0, produced_records: 0, dropped_records: 0, bytes, recordOffsets: [], recordCount: 0, wireBytes: bytes.length };
  while (!reader.atEnd()) {
    const tag = reader.uint32();
    if (tag === BATCH_RECORD) {
      const end = reader.delimited();
      batch.recordOffsets.push(reader.pos, end);
      batch.recordCount++;
      reader.pos = end;
    } else if (tag === BATCH_NODE_ID) {
      const end = reader.delimited();
      batch.node_id = bytes.toString('utf8', reader.pos, end);
      reader.pos = end;
    } else if (tag === BATCH_SEQ || tag === BATCH_PRODUCED || tag === BATCH_DROPPED) {
      reader.varint();
      const value = reader.unsigned64();
      if (tag === BATCH_SEQ) batch.seq = value;
      else if (tag === BATCH_PRODUCED) batch.produced_records = value;
      else batch.dropped_records = value;
    } else {
      reader.skip(tag & 7);
    }
  }
  return batch;
}

/** Checks the batch and reads its records; nowMs is the collector's clock, for the timestamp window. */
export function readRecords(batch: IncomingBatch, schema: RecordSchema, limits: BatchLimits, nowMs = Date.now()): ReadRecords {
  const name = `batch ${batch.seq}`;
  if (!NODE_ID_PATTERN.test(batch.node_id)) {
    return refuse('bad_node_id', `${name}: node_id "${truncate(batch.node_id)}" must be 1-128 letters, digits, ".", "_" or "-"`);
  }
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 1) return refuse('bad_seq', `${name}: seq must be a positive integer`);
  if (batch.recordCount === 0) return refuse('empty_batch', `${name}: has no records`);
  if (batch.recordCount > limits.maxRecordsPerBatch) {
    return refuse('too_many_records', `${name}: ${batch.recordCount} records, more than the limit of ${limits.maxRecordsPerBatch}`);
  }
  for (const field of ['produced_records', 'dropped_records'] as const) {
    if (!Number.isSafeInteger(batch[field])) return refuse('bad_seq', `${name}: ${field} must be an integer below 2^53`);
  }
  const context = { limits, nowMs };
  const records: IngestRecord[] = [];
  // JSON is three to four times the wire size: names and defaults are written out, numbers as text.
  const pack = new RecordPack(batch.wireBytes * 4);
  const reader = new WireReader(batch.bytes, 0, 0);
  for (let index = 0; index < batch.recordCount; index++) {
    try {
      reader.pos = batch.recordOffsets[2 * index]!;
      reader.end = batch.recordOffsets[2 * index + 1]!;
      const header = readRecordHeader(schema, reader);
      const record: IngestRecord = { seq: header.seq, kind: header.kind };
      pack.begin(header.seq, batch.seq, header.kind);
      reader.pos = header.start;
      reader.end = header.end;
      try {
        transcodeMessage(header.plan, reader, pack.out, context);
      } catch (error) {
        throw error instanceof FieldError ? error.within(header.kind) : error;
      }
      const json = pack.end();
      if (json.end > limits.maxStoredBatchBytes) {
        return refuse('too_large', `${name}: record ${index}: the batch would take more than ${limits.maxStoredBatchBytes} bytes stored as JSON (from ${batch.wireBytes} on the wire); send fewer records a batch`);
      }
      if (record.kind !== 'counter_interval') record[record.kind] = JSON.parse(pack.out.buf.toString('utf8', json.start, json.end)) as never;
      if (record.node_info !== undefined && record.node_info.node_id !== batch.node_id) {
        throw new FieldError('node_info.node_id', `"${truncate(record.node_info.node_id)}" is not the batch's node "${batch.node_id}"`);
      }
      records.push(record);
    } catch (error) {
      if (error instanceof FieldError) return refuse(error.reason, `${name}: record ${index}: ${error.message}`);
      if (error instanceof WireError) return refuse('invalid_record', `${name}: record ${index}: is not a valid protobuf Record (${error.message})`);
      throw error;
    }
  }
  const seqProblem = checkRecordSeqs(records, batch.seq);
  if (seqProblem !== undefined) return refuse('bad_seq', `${name}: ${seqProblem}`);
  return { ok: true, records, pack };
}

/**
 * Records carry their own seqs, strictly increasing, the last one the
 * batch's; or none at all (0), from an agent that numbers batches only.
 */
function checkRecordSeqs(records: readonly IngestRecord[], batchSeq: number): string | undefined {
  let numbered = 0;
  for (const record of records) if (record.seq !== 0) numbered++;
  if (numbered === 0) return undefined;
  if (numbered !== records.length) return 'some records have a seq and some do not';
  let previous = 0;
  for (const [index, record] of records.entries()) {
    if (!Number.isSafeInteger(record.seq) || record.seq <= previous) return `record ${index}: seq ${record.seq} is not above the one before (${previous})`;
    previous = record.seq;
  }
  if (previous !== batchSeq) return `seq must be its last record's seq (${previous})`;
  return undefined;
}

/** A Hello's NodeInfo: the node as an object, or one sentence on what is wrong with it. */
export function readNodeInfo(bytes: Buffer, schema: RecordSchema, limits: BatchLimits, nowMs = Date.now()): { ok: true; info: NodeInfo } | { ok: false; message: string } {
  let info: NodeInfo;
  try {
    const out = new ByteWriter(2 * bytes.length + 512);
    transcodeMessage(schema.messages.get('NodeInfo')!, new WireReader(bytes, 0, bytes.length), out, { limits, nowMs });
    info = JSON.parse(out.written().toString('utf8')) as NodeInfo;
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, message: error.within('node_info').message };
    if (error instanceof WireError) return { ok: false, message: `not a valid protobuf NodeInfo (${error.message})` };
    throw error;
  }
  if (!NODE_ID_PATTERN.test(info.node_id)) {
    return { ok: false, message: `node_id "${truncate(info.node_id)}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit` };
  }
  return { ok: true, info };
}

function refuse(reason: RejectReason, message: string): ReadRecords {
  return { ok: false, reason, message };
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}
