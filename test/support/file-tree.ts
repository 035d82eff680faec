import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
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

/** Replaces a file's content in one step, as a sysfs read never sees a half-written value. */
export function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** A POWER9-like OCC power sensor through hwmon (426 W, "System"): for agents that need a power source here. */
export function occHwmonTree(): string {
  return fileTree({
    'class/hwmon/hwmon0/name': 'ibmpowernv\n',
    'class/hwmon/hwmon0/power1_input': '426000000\n',
    'class/hwmon/hwmon0/power1_label': 'System\n',
  });
}
