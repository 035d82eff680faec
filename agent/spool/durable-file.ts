import { closeSync, fsyncSync, openSync } from 'node:fs';

/**
 * What makes a write survive a crash: the file's data synced, then for a
 * new or renamed file its directory too. The spool's segments and state
 * and the run journal use these.
 */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A new or renamed file survives a crash only once its directory is synced too. */
export function syncDirectory(directory: string): void {
  syncFile(directory);
}
