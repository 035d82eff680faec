import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

export interface CaptureCase {
  name: string;
  stdout: string;
  expected: unknown;
  source: string;
}

/**
 * Where a kind's captures live: a power source's in its own folder
 * (agent/power/sources/SOURCE/testdata), the others' in test/fixtures/KIND.
 */
export function captureFolder(kind: string): string {
  const ofSource = join(repositoryRoot, 'agent/power/sources', kind, 'testdata');
  return existsSync(ofSource) ? ofSource : join(repositoryRoot, 'test/fixtures', kind);
}

/**
 * The capture folders of one kind: FOLDER/NAME/{stdout.txt, expected.json,
 * SOURCE}. Adding a case is adding a folder.
 */
export function captureCases(kind: string): CaptureCase[] {
  const root = captureFolder(kind);
  return readdirSync(root)
    .sort()
    .map((name) => {
      const folder = join(root, name);
      const sourcePath = join(folder, 'SOURCE');
      return {
        name,
        stdout: readFileSync(join(folder, 'stdout.txt'), 'utf8'),
        expected: JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as unknown,
        source: existsSync(sourcePath) ? readFileSync(sourcePath, 'utf8') : '',
      };
    });
}
