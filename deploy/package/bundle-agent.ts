import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AGENT_BUNDLE_DIR, AGENT_BUNDLE_MANIFEST, type AgentBundleManifest } from '../../agent/bundled-agent.js';
import { repositoryRoot } from '../../proto/repository-root.js';

/**
 * The agent's compiled modules as one CommonJS file (npm run build, after
 * tsc), which dist/agent/main.js loads with a V8 code cache: Node 20 spends
 * most of the agent's start-up resolving, reading and compiling some 300
 * ES modules one by one, and it has no code cache for ES modules (issue 21).
 * The file's name carries a hash of its content, which names its code
 * cache; a manifest says which file is current. Nothing native: the bundle
 * is JavaScript for every architecture. onnxruntime-node is left out (only
 * the ResNet-50 workload, a process of its own, loads it).
 */
async function bundleAgent(): Promise<void> {
  const outdir = join(repositoryRoot, AGENT_BUNDLE_DIR);
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(repositoryRoot, 'dist/agent/agent-cli.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node'],
    outdir,
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    // The modules find files beside the code through import.meta.url; in the bundle that is the bundle's own URL,
    // one folder below dist/ like every compiled module, so repositoryRoot resolves the same.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.cjs'));
  if (outputs.length !== 1) throw new Error(`expected one bundle, esbuild wrote: ${outputs.join(', ')}`);
  const manifest: AgentBundleManifest = { bundle: basename(outputs[0]!) };
  writeFileSync(join(outdir, AGENT_BUNDLE_MANIFEST), `${JSON.stringify(manifest)}\n`);
}

await bundleAgent();
