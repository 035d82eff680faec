import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's chromium, or undefined with why not. */
export function chromiumUnavailable(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v chromium']).status === 0 ? undefined : 'chromium is not installed (apt-get install chromium)';
}

/**
 * Runs headless Chromium on a page: --dump-dom gives the DOM after it
 * rendered, --screenshot a PNG. Flags keep it off the network entirely.
 */
export function chromium(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'powerprof-chromium-'));
  try {
    const result = spawnSync(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
