import type { Options } from '@grpc/proto-loader';

/**
 * How the .proto files are turned into JavaScript objects. The runtime loader
 * and the type generator must agree, so both read these options from here.
 */
export const loaderOptions = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;

/** The same options as proto-loader-gen-types flags. */
export const generatorFlags = ['--keepCase', '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js'];

/** The contract as a protobufjs JSON descriptor, made from the .proto by npm run gen:proto (under proto/generated/). */
export const INGEST_DESCRIPTOR = 'ingest-descriptor.json';

/** Path of the contract, relative to the repository root. */
export const ingestProtoPath = 'proto/powerprof/v1/ingest.proto';
