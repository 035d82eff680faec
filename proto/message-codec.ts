import { ingestProtoRoot } from './ingest-proto-root.js';
import { loaderOptions } from './loader-options.js';

/** One message type of the contract as gRPC's serializer and deserializer. */
export interface MessageCodec<Input, Output> {
  readonly serialize: (value: Input) => Buffer;
  readonly deserialize: (bytes: Uint8Array) => Output;
}

/**
 * What @grpc/proto-loader makes for each method's messages, made from the
 * record codec's protobufjs root instead: the agent's client then needs
 * neither the loader nor a second copy of the contract (issue 21: start-up).
 * Decoded objects are what the loader delivers (the same options).
 */
export function messageCodec<Input extends object, Output>(typeName: string): MessageCodec<Input, Output> {
  const type = ingestProtoRoot().lookupType(`powerprof.v1.${typeName}`);
  return {
    serialize: (value) => {
      const bytes = type.encode(type.fromObject(value)).finish();
      // protobufjs writes into a Buffer under Node; gRPC wants one, and a copy would be for nothing.
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes) => type.toObject(type.decode(bytes), loaderOptions) as Output,
  };
}
