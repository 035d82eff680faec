import { decodeEntry } from '../../collector/queue/stream-entry.js';
import { streamFields } from '../../collector/wire/stream-fields.js';
import { decodeBatchEnvelope, readRecords, type ReadRecords } from '../../collector/wire/incoming-batch.js';
import { defaultBatchLimits, type BatchLimits } from '../../proto/record-rules.js';
import { loadRecordSchema } from '../../proto/record-transcoder.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { Batch, Record as RecordMessage } from '../../proto/records.js';

const proto = loadIngestProto();
const schema = loadRecordSchema();

/** A batch as an agent puts it on the wire (the gRPC loader's encoding). */
export const encodeBatch = proto.Ingest.service.Push.requestSerialize as (batch: unknown) => Buffer;
/** Bytes as the loader decodes them: every field present, enums as names. */
export const loaderDecodeBatch = proto.Ingest.service.Push.requestDeserialize as (bytes: Buffer) => Batch;

/** What the collector makes of a batch: encoded, then read as Push reads it. */
export function readBatch(batch: unknown, limits: BatchLimits = defaultBatchLimits, nowMs = Date.now()): ReadRecords {
  return readBytes(encodeBatch(batch), limits, nowMs);
}

export function readBytes(bytes: Buffer, limits: BatchLimits = defaultBatchLimits, nowMs = Date.now()): ReadRecords {
  return readRecords(decodeBatchEnvelope(bytes), schema, limits, nowMs);
}

/**
 * The pack the collector sends Redis, unpacked: per record its seq, kind,
 * the entry's fields (names and values) and the message they read back as.
 */
export function unpackRecords(pack: Buffer): Array<{ seq: string; kind: string; fields: string[]; data: unknown }> {
  let pos = 5; // array32 header
  const string = (): string => {
    const type = pack[pos]!;
    let length: number;
    if ((type & 0xe0) === 0xa0) [length, pos] = [type & 0x1f, pos + 1];
    else if (type === 0xd9) [length, pos] = [pack[pos + 1]!, pos + 2];
    else if (type === 0xda) [length, pos] = [pack.readUInt16BE(pos + 1), pos + 3];
    else if (type === 0xdb) [length, pos] = [pack.readUInt32BE(pos + 1), pos + 5];
    else throw new Error(`not a MessagePack string at ${pos}: 0x${type.toString(16)}`);
    const text = pack.toString('utf8', pos, pos + length);
    pos += length;
    return text;
  };
  const records: Array<{ seq: string; kind: string; fields: string[]; data: unknown }> = [];
  for (let count = pack.readUInt32BE(1); count > 0; count--) {
    if (pack[pos] !== 0xdc) throw new Error(`not a record's array16 at ${pos}`);
    const strings = pack.readUInt16BE(pos + 1);
    pos += 3;
    const [seqName, seq, kindName, kind, ...fields] = Array.from({ length: strings }, string) as [string, string, string, string, ...string[]];
    if (seqName !== 'seq' || kindName !== 'kind') throw new Error(`a record's entry must start with seq and kind, not ${seqName} and ${kindName}`);
    records.push({ seq, kind, fields, data: decodeEntry('', ['seq', seq, 'kind', kind, ...fields]).data });
  }
  return records;
}

/** A record as it reads back once stored: through its stream fields (power samples, counter intervals) or JSON. */
export function asStored(record: RecordMessage): unknown {
  const fields = streamFields(record);
  if (fields === undefined) return JSON.parse(JSON.stringify(record[record.kind!])) as unknown;
  return decodeEntry('', ['seq', '1', 'kind', record.kind!, ...fields]).data;
}
