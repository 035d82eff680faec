import type { Record as RecordInput } from './generated/powerprof/v1/Record.js';
import { ingestProtoRoot } from './ingest-proto-root.js';
import { loaderOptions } from './loader-options.js';
import type { Record } from './records.js';

/**
 * A Record as protobuf bytes and back, the way it travels on the wire: the
 * agent's spool keeps records in this form. Decoding yields what the gRPC
 * loader would deliver (the same loader options).
 */
export interface RecordCodec {
  encode(record: RecordInput): Uint8Array;
  decode(bytes: Uint8Array): Record;
}

export function loadRecordCodec(): RecordCodec {
  const type = ingestProtoRoot().lookupType('powerprof.v1.Record');
  const toObject = { longs: Number, enums: String, defaults: loaderOptions.defaults, oneofs: loaderOptions.oneofs };
  return {
    encode: (record) => type.encode(type.fromObject(record)).finish(),
    decode: (bytes) => type.toObject(type.decode(bytes), toObject) as Record,
  };
}
