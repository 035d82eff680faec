import type { JobStatus, NodeInfo, PowerSample, PowerSourceStatus, Record as RecordMessage, RunRecord } from '../../proto/records.js';
import { ByteWriter } from '../../proto/byte-writer.js';
import { RecordPack } from './record-pack.js';
import { counterIntervalFieldsFromWire } from './interval-fields.js';
import { streamFields } from './stream-fields.js';
import type { BatchLimits } from '../../proto/record-rules.js';
import type { RecordKind } from '../../proto/records.js';
import { FieldError } from '../../proto/field-error.js';
import { readRecordHeader, transcodeRecord, type RecordHeader, type RecordSchema, type TranscodeContext } from '../../proto/record-transcoder.js';
import { WireError, WireReader } from '../../proto/wire-reader.js';
import { BATCH_DROPPED, BATCH_EPOCH, BATCH_NODE_ID, BATCH_PRODUCED, BATCH_RECORD, BATCH_REFUSED, BATCH_SEQ } from '../../proto/batch-wire-tags.js';

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
  /** The agent's spool instance its seqs belong to; 0: not said (one scope per node). */
  spool_epoch: number;
  refused_records: number;
  /** The whole message. */
  bytes: Buffer;
  /** Where each record lies in it, unread: start and end, one pair per record. */
  recordOffsets: number[];
  recordCount: number;
  /** The batch's size on the wire. */
  wireBytes: number;
  /** Set when the message is not a protobuf Batch at all: what is wrong with it. */
  malformed?: string;
}

/**
 * A record ready to store. The kinds that the metrics and the job store
 * read are also parsed into their message; counter intervals, most of what
 * arrives, are not.
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

/** Why a batch as a whole is refused. */
export type BatchRejectReason = 'bad_node_id' | 'bad_seq' | 'empty_batch' | 'too_many_records' | 'too_large' | 'invalid_record';

/** Why one record of a batch is refused; its neighbours are stored. */
export type RecordRejectReason = 'invalid_record' | 'bad_timestamp' | 'unknown_kind' | 'bad_seq';

export interface RecordRefusal {
  index: number;
  /** The record's seq, 0 when it could not be read. */
  seq: number;
  reason: RecordRejectReason;
  message: string;
  /** The collector failed reading it (a defect of ours, not the sender's): logged as an error. */
  internal?: true;
}

export type ReadRecords =
  { ok: true; records: IngestRecord[]; pack: RecordPack; refused: RecordRefusal[] } | { ok: false; reason: BatchRejectReason; message: string };

/** Node ids become Redis key parts and label values: no braces, spaces or colons. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The gRPC deserializer of Push. Bytes that are not a Batch do not throw
 * (grpc-js would end the stream INTERNAL, unlogged and uncounted): the batch
 * comes back marked malformed, to be refused and counted like any other.
 */
export function decodeBatchEnvelope(bytes: Buffer): IncomingBatch {
  const reader = new WireReader(bytes, 0, bytes.length);
  const batch: IncomingBatch = {
    node_id: '',
    seq: 0,
    produced_records: 0,
    dropped_records: 0,
    spool_epoch: 0,
    refused_records: 0,
    bytes,
    recordOffsets: [],
    recordCount: 0,
    wireBytes: bytes.length,
  };
  try {
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
      } else if (tag === BATCH_SEQ || tag === BATCH_PRODUCED || tag === BATCH_DROPPED || tag === BATCH_EPOCH || tag === BATCH_REFUSED) {
        reader.varint();
        const value = reader.unsigned64();
        if (tag === BATCH_SEQ) batch.seq = value;
        else if (tag === BATCH_PRODUCED) batch.produced_records = value;
        else if (tag === BATCH_DROPPED) batch.dropped_records = value;
        else if (tag === BATCH_EPOCH) batch.spool_epoch = value;
        else batch.refused_records = value;
      } else {
        reader.skip(tag & 7);
      }
    }
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    batch.malformed = error.message;
  }
  return batch;
}

/**
 * Checks the batch and reads its records; nowMs is the collector's clock,
 * for the timestamp window. Each record that breaks a rule is refused alone,
 * with its index and reason; the others are packed for storing.
 */
export function readRecords(batch: IncomingBatch, schema: RecordSchema, limits: BatchLimits, nowMs = Date.now()): ReadRecords {
  const name = `batch ${batch.seq}`;
  if (batch.malformed !== undefined) return refuse('invalid_record', `${name}: is not a valid protobuf Batch (${batch.malformed})`);
  if (!NODE_ID_PATTERN.test(batch.node_id)) {
    return refuse('bad_node_id', `${name}: node_id "${truncate(batch.node_id)}" must be 1-128 letters, digits, ".", "_" or "-"`);
  }
  if (!Number.isSafeInteger(batch.seq) || batch.seq < 1) return refuse('bad_seq', `${name}: seq must be a positive integer below 2^53`);
  if (batch.recordCount === 0) return refuse('empty_batch', `${name}: has no records`);
  if (batch.recordCount > limits.maxRecordsPerBatch) {
    return refuse('too_many_records', `${name}: ${batch.recordCount} records, more than the limit of ${limits.maxRecordsPerBatch}`);
  }
  for (const field of ['produced_records', 'dropped_records', 'refused_records', 'spool_epoch'] as const) {
    if (!Number.isSafeInteger(batch[field])) return refuse('bad_seq', `${name}: ${field} must be an integer below 2^53`);
  }
  const context = { limits, nowMs };
  const records: IngestRecord[] = [];
  const refused: RecordRefusal[] = [];
  // JSON is three to four times the wire size: names and defaults are written out, numbers as text.
  const pack = new RecordPack(batch.wireBytes * 4);
  let numbered: boolean | undefined;
  let previousSeq = 0;
  const reader = new WireReader(batch.bytes, 0, 0);
  for (let index = 0; index < batch.recordCount; index++) {
    let seq = 0;
    try {
      reader.pos = batch.recordOffsets[2 * index]!;
      reader.end = batch.recordOffsets[2 * index + 1]!;
      const header = readRecordHeader(schema, reader);
      seq = header.seq;
      // Numbered records go up, to the batch's seq; or none is numbered (an agent that numbers batches only).
      numbered ??= seq !== 0;
      if (numbered !== (seq !== 0))
        throw new FieldError('seq', `is ${seq}, but ${numbered ? 'the records before it have seqs' : 'the records before it have none'}`, 'bad_seq');
      if (numbered && (!Number.isSafeInteger(seq) || seq <= previousSeq || seq > batch.seq)) {
        throw new FieldError('seq', `${seq} is not above the record before (${previousSeq}) and at most the batch's seq`, 'bad_seq');
      }
      if (numbered) previousSeq = seq;
      const record = readOneRecord(header, reader, batch, pack, context);
      if (pack.out.pos > limits.maxStoredBatchBytes) {
        return refuse(
          'too_large',
          `${name}: record ${index}: the batch would take more than ${limits.maxStoredBatchBytes} bytes stored (from ${batch.wireBytes} on the wire); send fewer records a batch`,
        );
      }
      records.push(record);
    } catch (error) {
      pack.abandon();
      refused.push(recordRefusal(index, seq, error));
    }
  }
  if (numbered === true && refused.length === 0 && previousSeq !== batch.seq)
    return refuse('bad_seq', `${name}: seq must be its last record's seq (${previousSeq})`);
  return { ok: true, records, pack, refused };
}

/** One record into the pack, checked; parsed too where the metrics or the job store read it. */
function readOneRecord(header: RecordHeader, reader: WireReader, batch: IncomingBatch, pack: RecordPack, context: TranscodeContext): IngestRecord {
  const record: IngestRecord = { seq: header.seq, kind: header.kind };
  pack.begin(header.seq, batch.seq, header.kind);
  transcodeRecord(header, reader, pack.out, context);
  if (header.kind === 'counter_interval' && header.parts === undefined) {
    // Checked by the rules; stored from its wire bytes, never built as an object (stored, and read by no metric).
    pack.endAsFields(counterIntervalFieldsFromWire(batch.bytes, header.start, header.end));
    return record;
  }
  const json = pack.current();
  const message = JSON.parse(pack.out.buf.toString('utf8', json.start, json.end)) as never;
  if (header.kind === 'node_info') {
    const info = message as { node_id: string };
    if (info.node_id !== batch.node_id) throw new FieldError('node_info.node_id', `"${truncate(info.node_id)}" is not the batch's node "${batch.node_id}"`);
  }
  // Counter intervals, most of what arrives, are stored but read by no metric: not kept as a message.
  if (header.kind !== 'counter_interval') record[header.kind] = message;
  // Checked by the rules as JSON; power samples and counter intervals are stored one field per value.
  const fields = streamFields({ kind: header.kind, [header.kind]: message } as unknown as RecordMessage);
  if (fields !== undefined) pack.endAsFields(fields);
  else pack.end();
  return record;
}

function recordRefusal(index: number, seq: number, error: unknown): RecordRefusal {
  if (error instanceof FieldError) return { index, seq, reason: error.reason, message: `record ${index}: ${error.message}` };
  if (error instanceof WireError)
    return { index, seq, reason: 'invalid_record', message: `record ${index}: is not a valid protobuf Record (${error.message})` };
  // Not the sender's fault, and never a storage failure: refused, and logged as the collector's defect.
  const detail = error instanceof Error ? error.message : String(error);
  return { index, seq, reason: 'invalid_record', message: `record ${index}: could not be read (a collector error: ${detail})`, internal: true };
}

/** A Hello's NodeInfo: the node as an object, or one sentence on what is wrong with it. */
export function readNodeInfo(
  bytes: Buffer,
  schema: RecordSchema,
  limits: BatchLimits,
  nowMs = Date.now(),
): { ok: true; info: NodeInfo } | { ok: false; message: string } {
  let info: NodeInfo;
  try {
    // A Hello's NodeInfo is read as a node_info record's message is, by the same rules and in any valid encoding.
    const header: RecordHeader = { seq: 0, kind: 'node_info', plan: schema.messages.get('NodeInfo')!, start: 0, end: bytes.length };
    const out = new ByteWriter(2 * bytes.length + 512);
    transcodeRecord(header, new WireReader(bytes, 0, bytes.length), out, { limits, nowMs });
    info = JSON.parse(out.written().toString('utf8')) as NodeInfo;
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, message: error.message };
    if (error instanceof WireError) return { ok: false, message: `not a valid protobuf NodeInfo (${error.message})` };
    throw error;
  }
  if (!NODE_ID_PATTERN.test(info.node_id)) {
    return { ok: false, message: `node_id "${truncate(info.node_id)}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit` };
  }
  return { ok: true, info };
}

function refuse(reason: BatchRejectReason, message: string): ReadRecords {
  return { ok: false, reason, message };
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}
