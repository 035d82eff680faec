import { join } from 'node:path';
import protobuf from 'protobufjs';
import { ingestProtoPath } from './loader-options.js';
import { repositoryRoot } from './repository-root.js';

let root: protobuf.Root | undefined;

/**
 * The contract as protobufjs reads it (field names as written), parsed once
 * per process: the record codec and the record rules' reader both plan from
 * it, and parsing the .proto is a noticeable part of starting up.
 */
export function ingestProtoRoot(): protobuf.Root {
  if (root === undefined) {
    const loaded = new protobuf.Root();
    loaded.loadSync(join(repositoryRoot, ingestProtoPath), { keepCase: true });
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}
