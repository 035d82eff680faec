import { decodeBatchEnvelope, readRecords, type ReadRecords } from '../../collector/wire/incoming-batch.js';
import { defaultBatchLimits, type BatchLimits } from '../../proto/record-rules.js';
import { loadRecordSchema } from '../../proto/record-transcoder.js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { Batch } from '../../proto/records.js';

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

/** The pack the collector sends Redis, unpacked: seq, kind and the parsed JSON of each record. */
export function unpackRecords(pack: Buffer): Array<{ seq: string; kind: string; data: unknown }> {
  const records: Array<{ seq: string; kind: string; data: unknown }> = [];
  let pos = 5; // array32 header
  const fixstr = (): string => {
    const length = pack[pos]! & 0x1f;
    const text = pack.toString('utf8', pos + 1, pos + 1 + length);
    pos += 1 + length;
    return text;
  };
  while (pos < pack.length) {
    const seq = fixstr();
    const kind = fixstr();
    const length = pack.readUInt32BE(pos + 1); // str32
    records.push({ seq, kind, data: JSON.parse(pack.toString('utf8', pos + 5, pos + 5 + length)) });
    pos += 5 + length;
  }
  return records;
}
