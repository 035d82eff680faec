import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/ingest.js';
import { ingestProtoPath, loaderOptions } from './loader-options.js';
import { repositoryRoot } from './repository-root.js';

export type IngestPackage = ProtoGrpcType['powerprof']['v1'];

/** Loads proto/powerprof/v1/ingest.proto with the shared loader options. */
export function loadIngestProto(): IngestPackage {
  const definition = protoLoader.loadSync(join(repositoryRoot, ingestProtoPath), loaderOptions);
  // The loader returns an untyped object; this is the one place it is cast.
  const loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  return loaded.powerprof.v1;
}
