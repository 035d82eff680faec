import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Where npm run build puts the agent as one file (deploy/package/bundle-agent.ts), relative to the repository root. */
export const AGENT_BUNDLE_DIR = 'dist/agent-bundle';
export const AGENT_BUNDLE_MANIFEST = 'manifest.json';
export interface AgentBundleManifest {
  /** The bundle's file name in AGENT_BUNDLE_DIR; it carries a hash of the content. */
  bundle: string;
}

type AgentCli = typeof import('./agent-cli.js');

/** The commands whose start-up matters (issue 21) leave a code cache behind when there is none; not probe or flush, whose cache would hold only part of what run compiles. */
const CACHING_COMMANDS = new Set(['run', 'daemon']);
const CODE_CACHE_SUFFIX = '.v8cache';

/**
 * The agent's modules from its bundle, compiled with a V8 code cache, or
 * undefined when there is no bundle or it is older than the compiled
 * modules (a tsc without the bundling step): main.ts then imports them one
 * by one. The code cache is what V8 compiled in an earlier run of the same
 * bundle on the same Node and architecture (its file name says all three);
 * V8 checks it against its version, flags and the source, and one it
 * refuses is written again. It lives in the unit's CacheDirectory, else in
 * $XDG_CACHE_HOME/powerprof or ~/.cache/powerprof. One that cannot be
 * written costs start-up time only, so that is not an error.
 */
export function loadBundledAgentCli(command: string | undefined): AgentCli | undefined {
  const bundleDir = fileURLToPath(new URL(`../../${AGENT_BUNDLE_DIR}/`, import.meta.url));
  let bundlePath: string;
  let bundleName: string;
  try {
    bundleName = (JSON.parse(readFileSync(join(bundleDir, AGENT_BUNDLE_MANIFEST), 'utf8')) as AgentBundleManifest).bundle;
    bundlePath = join(bundleDir, bundleName);
    if (statSync(fileURLToPath(new URL('./agent-cli.js', import.meta.url))).mtimeMs > statSync(bundlePath).mtimeMs) return undefined;
  } catch {
    return undefined;
  }
  const cacheDir = codeCacheDirectory();
  const cachePath = join(cacheDir, `${bundleName}-node${process.versions.node}-${process.arch}${CODE_CACHE_SUFFIX}`);
  const cachedData = readIfThere(cachePath);
  // CommonJS's own wrapper: the bundle gets require, module and __filename as any CommonJS module does.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundlePath, 'utf8')}\n})`;
  const script = new Script(source, { filename: bundlePath, cachedData });
  const module = { exports: {} as AgentCli };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  if ((cachedData === undefined || script.cachedDataRejected === true) && command !== undefined && CACHING_COMMANDS.has(command))
    // At exit, so that the cache holds every function this command compiled, not only the top level.
    process.once('exit', () => writeCodeCache(cacheDir, cachePath, script));
  return module.exports;
}

function codeCacheDirectory(): string {
  const fromSystemd = process.env.CACHE_DIRECTORY?.split(':')[0];
  if (fromSystemd) return fromSystemd;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'powerprof');
}

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function mkdirIfMissing(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Written whole or not at all (rename); caches of other bundles (earlier versions) are removed. */
function writeCodeCache(cacheDir: string, cachePath: string, script: Script): void {
  try {
    // Two levels at most (~/.cache/powerprof), and not with { recursive: true }: Node 20's loops forever under /proc.
    for (const dir of [dirname(cacheDir), cacheDir]) mkdirIfMissing(dir);
    const partial = `${cachePath}.${process.pid}.partial`;
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    renameSync(partial, cachePath);
    for (const name of readdirSync(cacheDir))
      if (name.startsWith('agent-cli-') && name.endsWith(CODE_CACHE_SUFFIX) && join(cacheDir, name) !== cachePath)
        rmSync(join(cacheDir, name), { force: true });
  } catch {
    // A read-only or full disk: the next start compiles again.
  }
}
