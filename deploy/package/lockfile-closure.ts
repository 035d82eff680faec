/** One entry of package-lock.json's "packages" (lockfile version 2 and 3). */
export interface LockedPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optional?: boolean;
}

export interface Closure {
  /** Installed package folders needed, as the lockfile keys them: 'node_modules/a', 'node_modules/a/node_modules/b'. */
  paths: string[];
  /** The root's optional dependencies the program imports but that were left out. */
  leftOut: string[];
}

/** @types packages hold TypeScript declarations, which nothing loads at run time (protobufjs lists @types/node as a dependency). */
function isTypesOnly(path: string): boolean {
  return /(^|\/)node_modules\/@types\/[^/]+$/.test(path);
}

/** Where Node finds `name` from the package at `from` ('' is the root): its own node_modules, then each one above. */
function locate(packages: Record<string, LockedPackage>, from: string, name: string): string | undefined {
  for (let base = from; ;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('node_modules/');
    base = cut <= 0 ? '' : base.slice(0, cut - 1);
  }
}

/**
 * The installed packages that `roots` (the names the program imports) need at
 * run time, from the lockfile: their dependencies, optional and peer
 * dependencies where installed, transitively, resolved as Node resolves them.
 * The root's own optional dependencies are left out unless `withOptional`,
 * and @types packages always.
 */
export function lockfileClosure(packages: Record<string, LockedPackage>, roots: Iterable<string>, withOptional: boolean): Closure {
  const rootOptional = new Set(Object.keys(packages['']?.optionalDependencies ?? {}));
  const needed = new Set<string>();
  const leftOut: string[] = [];
  const pending: string[] = [];
  for (const name of roots) {
    if (rootOptional.has(name) && !withOptional) leftOut.push(name);
    else {
      const path = locate(packages, '', name);
      if (path !== undefined) pending.push(path);
      else if (!rootOptional.has(name)) throw new Error(`${name} is imported but not in package-lock.json: add it to package.json's dependencies`);
    }
  }
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (needed.has(path) || isTypesOnly(path)) continue;
    needed.add(path);
    const locked = packages[path]!;
    const required = Object.keys(locked.dependencies ?? {});
    const ifThere = [...Object.keys(locked.optionalDependencies ?? {}), ...Object.keys(locked.peerDependencies ?? {})];
    for (const name of required) {
      const found = locate(packages, path, name);
      if (found === undefined) throw new Error(`${path} needs ${name}, which package-lock.json does not hold`);
      pending.push(found);
    }
    for (const name of ifThere) {
      const found = locate(packages, path, name);
      if (found !== undefined) pending.push(found);
    }
  }
  return { paths: [...needed].sort(), leftOut: leftOut.sort() };
}
