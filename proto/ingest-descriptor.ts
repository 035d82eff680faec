import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INamespace } from 'protobufjs';
import { INGEST_DESCRIPTOR } from './loader-options.js';
import { repositoryRoot } from './repository-root.js';

let descriptor: INamespace | undefined;

/**
 * The contract as a descriptor made at build time (npm run gen:proto; a test
 * keeps it equal to the .proto): reading JSON at start takes a fraction of
 * parsing .proto text, which both gRPC's loader and the record codec did.
 */
export function ingestDescriptor(): INamespace {
  descriptor ??= JSON.parse(readFileSync(join(repositoryRoot, 'proto/generated', INGEST_DESCRIPTOR), 'utf8')) as INamespace;
  return descriptor;
}
