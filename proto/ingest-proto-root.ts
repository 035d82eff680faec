import protobuf from 'protobufjs';
import { ingestDescriptor } from './ingest-descriptor.js';

let root: protobuf.Root | undefined;

/**
 * The contract as protobufjs reads it (field names as written), built once
 * per process from the build-time descriptor: the record codec and the
 * record rules' reader both plan from it.
 */
export function ingestProtoRoot(): protobuf.Root {
  if (root === undefined) {
    const loaded = protobuf.Root.fromJSON(ingestDescriptor());
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}
