import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { generatorFlags, INGEST_DESCRIPTOR, ingestProtoPath } from './loader-options.js';
import { repositoryRoot } from './repository-root.js';

/**
 * Runs proto-loader-gen-types with the runtime loader's options into outDir,
 * and writes the contract's descriptor (protobufjs JSON) beside the types.
 * `npm run gen:proto` writes proto/generated; the staleness test writes a
 * temporary folder and compares.
 */
export function generateTypes(outDir: string): void {
  const require = createRequire(import.meta.url);
  const generator = join(require.resolve('@grpc/proto-loader/package.json'), '..', 'build/bin/proto-loader-gen-types.js');
  const result = spawnSync(process.execPath, [generator, ...generatorFlags, `--outDir=${outDir}`, ingestProtoPath], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`proto-loader-gen-types failed: ${result.stderr || result.stdout}`);
  }
  // The generated files import without extensions, which only CommonJS type resolution accepts.
  writeFileSync(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
  // The contract as a descriptor, parsed here once: the agent and collector load it instead of parsing .proto text at start.
  const root = new protobuf.Root();
  root.loadSync(join(repositoryRoot, ingestProtoPath), { keepCase: true });
  writeFileSync(join(outDir, INGEST_DESCRIPTOR), `${JSON.stringify(root.toJSON(), null, 1)}\n`);
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  generateTypes(join(repositoryRoot, 'proto/generated'));
}
