import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One agent per spool: two writers would hand out the same seqs. The lock
 * is a file holding the owner's pid; one left by a process that no longer
 * runs is taken over.
 */
export interface SpoolLock {
  release(): void;
}

export function lockSpool(directory: string): SpoolLock {
  const path = join(directory, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => removeIfOurs(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
      throw new Error(
        `the spool ${directory} is in use by another agent (pid ${owner}) for the same node id; ` +
          `stop it, or give this one another --node-id or --spool (delete ${path} if pid ${owner} is not an agent)`,
      );
    }
    unlinkSync(path);
  }
  throw new Error(`could not lock the spool ${directory}: another agent keeps taking ${path}`);
}

function removeIfOurs(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A killed agent nobody has reaped yet still answers kill(pid, 0). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
