import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Where the command a run starts lives, looked up as execvp would (a name
 * with a slash as it is, a bare name on PATH), or why it cannot run: said
 * before the run, in words a person can act on, whichever wrapper (perf,
 * the gate, setpriv) would otherwise report it in its own way.
 */
export function findExecutable(command: string, env: NodeJS.ProcessEnv): { ok: true; path: string } | { ok: false; error: string } {
  if (command === '') return { ok: false, error: 'command not found (the command is empty)' };
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).map((dir) => join(dir === '' ? '.' : dir, command));
  let denied: string | undefined;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return { ok: true, path: candidate };
    } catch {
      denied ??= candidate;
    }
  }
  if (denied !== undefined) return { ok: false, error: `permission denied: ${denied} is not executable (chmod +x it)` };
  return { ok: false, error: command.includes('/') ? 'command not found (no such file)' : 'command not found (not on PATH)' };
}
