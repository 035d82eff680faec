import * as grpc from '@grpc/grpc-js';
import type { Ack, RecordRefusal } from '../../proto/records.js';

/**
 * What became of one batch, from its ack: stored (some records perhaps
 * refused one by one by the record rules: sending them again cannot help),
 * rejected whole for good (INVALID_ARGUMENT), or refused for now (a rate
 * limit, storage trouble: keep the records and send them again later).
 */
export type BatchOutcome =
  | { kind: 'stored'; refused: readonly RecordRefusal[]; duplicate: boolean; lastSeq: number }
  | { kind: 'rejected'; message: string }
  | { kind: 'retry'; code: string; message: string; retryAfterMs: number };

export function outcomeOfAck(ack: Ack): BatchOutcome {
  const code = ack.code as grpc.status;
  if (code === grpc.status.OK) return { kind: 'stored', refused: ack.refused, duplicate: ack.duplicate, lastSeq: ack.last_seq };
  if (code === grpc.status.INVALID_ARGUMENT) return { kind: 'rejected', message: ack.message };
  return {
    kind: 'retry',
    code: String(grpc.status[ack.code] ?? ack.code),
    message: ack.message,
    retryAfterMs: code === grpc.status.RESOURCE_EXHAUSTED ? ack.retry_after_ms : 0,
  };
}
