import type { Record as RecordInput } from './generated/powerprof/v1/Record.js';
import { messageCodec } from './message-codec.js';
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
  const { serialize, deserialize } = messageCodec<RecordInput, Record>('Record');
  return { encode: serialize, decode: deserialize };
}
