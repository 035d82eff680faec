import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/ingest.js';
import { ingestDescriptor } from './ingest-descriptor.js';
import { loaderOptions } from './loader-options.js';

export type IngestPackage = ProtoGrpcType['powerprof']['v1'];

/** The gRPC package of the contract, from the build-time descriptor, with the shared loader options. */
export function loadIngestProto(): IngestPackage {
  const definition = protoLoader.fromJSON(ingestDescriptor(), loaderOptions);
  // The loader returns an untyped object; this is the one place it is cast.
  const loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  return loaded.powerprof.v1;
}
