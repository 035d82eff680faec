import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/**
 * A secret kept in a file (the BMC password, the collector token): read
 * whole, without its final newline, and only when no one but the owner can
 * read it (mode 0600 or stricter), as ssh insists for its keys.
 */
export function readSecretFile(path: string, flag: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${flag} "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`${flag} "${path}" can be read by others (mode ${mode.toString(8).padStart(4, '0')}); a secret must be 0600: chmod 600 ${path}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`${flag} "${path}" is empty`);
  return secret;
}
