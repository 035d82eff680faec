import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importedPackages } from './imported-packages.js';
import { lockfileClosure, type LockedPackage } from './lockfile-closure.js';

/** What each role runs: its entry point, and for the agent the bundled workloads it may start. */
export const roleEntries: Record<string, string[]> = {
  agent: ['dist/agent/main.js', 'dist/deploy/workloads', 'deploy/workloads'],
  collector: ['dist/collector/main.js'],
};

/**
 * The top-level node_modules folders (a nested one travels inside its parent)
 * that hold what the roles need, as installed here, and the installed optional
 * packages left out.
 */
export function runtimeModules(root: string, roles: string[], withOptional: boolean): { folders: string[]; leftOut: string[] } {
  const entries = roles.flatMap((role) => roleEntries[role]!.map((entry) => join(root, entry)));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
  const closure = lockfileClosure(lock.packages, importedPackages(entries), withOptional);
  const topLevel = closure.paths.map((path) => path.split('/node_modules/')[0]!);
  const folders = [...new Set(topLevel)].filter((folder) => existsSync(join(root, folder)));
  return { folders, leftOut: closure.leftOut.filter((name) => existsSync(join(root, 'node_modules', name))) };
}
