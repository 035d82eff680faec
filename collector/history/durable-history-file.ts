import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a history file so that it is either whole or absent after a crash:
 * into a hidden temporary file of the writer's own (`.NAME.WRITER.tmp`, which
 * no engine reads as data), synced, renamed into place, its directory synced
 * (and the parents of any directory made for it). A full or failing disk
 * throws, leaving nothing under the final name.
 */
export async function writeHistoryFile(directory: string, name: string, bytes: Uint8Array, writer: string): Promise<void> {
  await makeDirectoryDurably(directory);
  const temporary = join(directory, `.${name}.${writer}.tmp`);
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(directory, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/** Removes what writers that died left of this file name (another writer's file, redone now). */
export async function removeTemporaries(directory: string, name: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const entry of names) if (entry.startsWith(`.${name}.`) && entry.endsWith('.tmp')) await rm(join(directory, entry), { force: true });
}

async function makeDirectoryDurably(directory: string): Promise<void> {
  const firstMade = await mkdir(directory, { recursive: true });
  if (firstMade === undefined) return;
  // Each directory made, and the one it was made in, must be synced for the path to survive a crash.
  for (let made = directory; ; made = dirname(made)) {
    await syncDirectory(dirname(made));
    if (made === firstMade) return;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
