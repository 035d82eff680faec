import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary directory holding the given files (path -> content), e.g. a sysfs tree; a trailing "/" makes an empty directory. */
export function fileTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'powerprof-tree-'));
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(root, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/**
 * Changes a value as sysfs changes an attribute: the same file, so that a
 * reader holding it open reads the new value at offset 0 (the agent does).
 * The new text is written over the old before the file is cut to its
 * length, so a reader never finds it empty; a value shorter than the last
 * may be read once with the old one's tail after its newline, which no
 * parser takes for a number.
 */
export function writeSysfsValue(path: string, content: string): void {
  const fd = openSync(path, 'r+');
  try {
    const bytes = Buffer.from(content);
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/** A POWER9-like OCC power sensor through hwmon (426 W, "System"): for agents that need a power source here. */
export function occHwmonTree(): string {
  return fileTree({
    'class/hwmon/hwmon0/name': 'ibmpowernv\n',
    'class/hwmon/hwmon0/power1_input': '426000000\n',
    'class/hwmon/hwmon0/power1_label': 'System\n',
  });
}
