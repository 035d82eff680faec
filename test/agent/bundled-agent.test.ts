import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AGENT_BUNDLE_DIR, AGENT_BUNDLE_MANIFEST, type AgentBundleManifest } from '../../agent/bundled-agent.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import { agentMain } from '../support/node-processes.js';

/** One `powerprof-agent run` of `true` with nothing but the run itself: no perf, no power, no collector to wait for. */
function runOnce(cacheDir: string): Promise<{ code: number | null; stderr: string }> {
  const spool = mkdtempSync(join(tmpdir(), 'powerprof-bundle-spool-'));
  const args = ['run', '--no-perf', '--power', 'none', '--collector', '127.0.0.1:1', '--flush-timeout', '0', '--node-id', 'bundle', '--spool', spool];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [agentMain, ...args, '--', 'true'], {
      env: { ...process.env, CACHE_DIRECTORY: cacheDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

function assertRan({ stderr }: { stderr: string }): void {
  assert.match(stderr, /run 1\/1\s+ok/, stderr);
}

const bundleDir = join(repositoryRoot, AGENT_BUNDLE_DIR);
const manifest = JSON.parse(readFileSync(join(bundleDir, AGENT_BUNDLE_MANIFEST), 'utf8')) as AgentBundleManifest;
const cacheName = `${manifest.bundle}-node${process.versions.node}-${process.arch}.v8cache`;

describe('the agent as one bundle with a V8 code cache (issue 21: start-up)', () => {
  it('npm run build made a bundle newer than the modules it was made of', () => {
    assert.ok(statSync(join(bundleDir, manifest.bundle)).mtimeMs >= statSync(join(repositoryRoot, 'dist/agent/agent-cli.js')).mtimeMs);
  });

  it("a run leaves the cache in the unit's CacheDirectory; a corrupt one is refused, the run goes on, and it is written again", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'powerprof-code-cache-'));
    writeFileSync(join(cacheDir, 'agent-cli-OLDVERSION.cjs-node20.0.0-x64.v8cache'), 'an earlier version');
    assertRan(await runOnce(cacheDir));
    assert.deepEqual(readdirSync(cacheDir), [cacheName], "this bundle's cache, the earlier version's removed");
    const written = readFileSync(join(cacheDir, cacheName));
    assert.ok(written.length > 100_000, `${written.length} bytes: the functions the run compiled`);

    const garbage = Buffer.alloc(written.length, 0x5a);
    writeFileSync(join(cacheDir, cacheName), garbage);
    assertRan(await runOnce(cacheDir));
    assert.notDeepEqual(readFileSync(join(cacheDir, cacheName)), garbage, 'V8 refused it and the run wrote a good one');
  });

  it('a cache directory that cannot be made costs the cache, not the run', async () => {
    const cacheDir = '/proc/powerprof-cannot-be-made';
    assertRan(await runOnce(cacheDir));
  });

  it('a bundle older than the compiled modules (tsc without the bundling step) is passed over for the modules', async () => {
    const modules = join(repositoryRoot, 'dist/agent/agent-cli.js');
    const { atime, mtime } = statSync(modules);
    const cacheDir = mkdtempSync(join(tmpdir(), 'powerprof-code-cache-'));
    utimesSync(modules, atime, new Date(Date.now() + 60_000));
    try {
      assertRan(await runOnce(cacheDir));
      assert.deepEqual(readdirSync(cacheDir), [], 'no bundle ran, so no cache was written');
    } finally {
      utimesSync(modules, atime, mtime);
    }
  });
});
