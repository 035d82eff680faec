import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';

// The specifiers of compiled ES modules: static imports and re-exports, import('x'), and
// createRequire(...)('x') / require('x'), always with a literal string (this codebase never
// imports a computed name, and a test holds it to that).
const specifierPatterns = [
  /\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\)\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The package a bare specifier names: 'pino', '@grpc/grpc-js' from '@grpc/grpc-js/build/x'. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function jsFilesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return jsFilesUnder(child);
    return /\.(c|m)?js$/.test(entry.name) ? [child] : [];
  });
}

/**
 * The npm packages a program's own code imports: follows relative imports from
 * the entry files (or every .js file under an entry directory) through the
 * compiled code, and collects the bare ones, built-in modules aside.
 */
export function importedPackages(entries: string[]): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = entries.flatMap((entry) => jsFilesUnder(resolve(entry)));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const pattern of specifierPatterns) {
      for (const [, specifier] of source.matchAll(pattern)) {
        if (specifier === undefined || isBuiltin(specifier)) continue;
        if (specifier.startsWith('.') || specifier.startsWith('/')) pending.push(resolve(dirname(file), specifier));
        else packages.add(packageName(specifier));
      }
    }
  }
  return packages;
}
