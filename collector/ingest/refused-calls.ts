import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';

/**
 * Calls that grpc-js ends itself, before the service sees a message: one
 * over the receive limit (RESOURCE_EXHAUSTED "Received message larger than
 * max"), or a request its deserializer could not read (INTERNAL). They are
 * logged and counted here like any other refusal; otherwise a sender of
 * garbage or of huge messages would be invisible. grpc-js sends those
 * statuses from inside its own call object, past any responder an
 * interceptor can add, so the status is watched on that object.
 */
const FRAMEWORK_REFUSALS: ReadonlyArray<{ code: grpc.status; details: RegExp; reason: string }> = [
  { code: grpc.status.RESOURCE_EXHAUSTED, details: /^Received message larger than max/, reason: 'too_large' },
  { code: grpc.status.INTERNAL, details: /^Error deserializing request/, reason: 'invalid_record' },
];

export function refusedCallsInterceptor(metrics: CollectorMetrics, logger: Logger): grpc.ServerInterceptor {
  return (method, call) => {
    const send = call.sendStatus.bind(call);
    call.sendStatus = (status): void => {
      const refusal = FRAMEWORK_REFUSALS.find((known) => known.code === status.code && known.details.test(status.details ?? ''));
      if (refusal !== undefined) {
        metrics.rejected(refusal.reason);
        logger.warn({ method: method.path, peer: call.getPeer(), reason: refusal.reason, err: status.details }, 'call refused before its message was read');
      }
      send(status);
    };
    return new grpc.ServerInterceptingCall(call);
  };
}
