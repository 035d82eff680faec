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

/** Path of the contract, relative to the repository root. */
export const ingestProtoPath = 'proto/powerprof/v1/ingest.proto';
