import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { Record as RecordInput } from './generated/powerprof/v1/Record.js';
import { ingestProtoPath, loaderOptions } from './loader-options.js';
import type { Record } from './records.js';
import { repositoryRoot } from './repository-root.js';

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
  const root = new protobuf.Root();
  root.loadSync(join(repositoryRoot, ingestProtoPath), { keepCase: true });
  const type = root.lookupType('powerprof.v1.Record');
  const toObject = { longs: Number, enums: String, defaults: loaderOptions.defaults, oneofs: loaderOptions.oneofs };
  return {
    encode: (record) => type.encode(type.fromObject(record)).finish(),
    decode: (bytes) => type.toObject(type.decode(bytes), toObject) as Record,
  };
}
