import { spawnSync } from 'node:child_process';

/** `promtool check metrics` on exposition text: its complaints, or '' when clean. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`promtool could not run (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: (result.stdout + result.stderr).trim() };
}
