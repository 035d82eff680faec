import { DiscardingWriter } from './byte-writer.js';
import { FieldError } from './field-error.js';
import { defaultBatchLimits, type BatchLimits } from './record-rules.js';
import { loadRecordSchema, readRecordHeader, transcodeRecord } from './record-transcoder.js';
import { WireError, WireReader } from './wire-reader.js';

export interface RecordProblem {
  reason: FieldError['reason'];
  /** The field and what is wrong with it: "run.counters[2].value is NaN, not a finite number". */
  message: string;
}

/** Checks one encoded Record by the collector's rules: undefined when it would be stored. */
export type RecordCheck = (bytes: Uint8Array) => RecordProblem | undefined;

/**
 * The record rules as the agent applies them before spooling a record, by
 * the same reader the collector stores records with, so the two cannot
 * disagree. The agent's own clock is the only one it has: whether a
 * timestamp is too far from the collector's is left to the collector.
 */
export function loadRecordCheck(limits: BatchLimits = defaultBatchLimits): RecordCheck {
  const schema = loadRecordSchema();
  const context = { limits: { ...limits, maxFutureMs: Number.POSITIVE_INFINITY, maxAgeMs: Number.POSITIVE_INFINITY }, nowMs: 0 };
  const discard = new DiscardingWriter();
  return (bytes) => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      const reader = new WireReader(buf, 0, buf.length);
      transcodeRecord(readRecordHeader(schema, reader), reader, discard, context);
      return undefined;
    } catch (error) {
      if (error instanceof FieldError) return { reason: error.reason, message: error.message };
      if (error instanceof WireError) return { reason: 'invalid_record', message: `is not a valid protobuf Record (${error.message})` };
      throw error;
    }
  };
}
