/**
 * The field tags, (number << 3) | wire type, of a Batch and of a Record's
 * seq (ingest.proto), for the code that writes and reads them without
 * protobufjs: the agent's encodeBatch and the collector's decodeBatchEnvelope.
 */
export const BATCH_NODE_ID = (1 << 3) | 2;
export const BATCH_SEQ = 2 << 3;
export const BATCH_RECORD = (3 << 3) | 2;
export const BATCH_PRODUCED = 4 << 3;
export const BATCH_DROPPED = 5 << 3;
export const BATCH_EPOCH = 6 << 3;
export const BATCH_REFUSED = 7 << 3;
/** Record.seq, field 16: a two-byte tag. */
export const RECORD_SEQ = 16 << 3;
