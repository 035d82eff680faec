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
 * The capture folders of one kind: test/fixtures/KIND/NAME/{stdout.txt,
 * expected.json, SOURCE}. Adding a case is adding a folder.
 */
export function captureCases(kind: string): CaptureCase[] {
  const root = join(repositoryRoot, 'test/fixtures', kind);
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
