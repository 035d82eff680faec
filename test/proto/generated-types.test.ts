import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { generateTypes } from '../../proto/generate-types.js';
import { repositoryRoot } from '../../proto/repository-root.js';

function filesUnder(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

it('the committed proto/generated types match the .proto (run "npm run gen:proto" when this fails)', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'powerprof-gen-'));
  try {
    generateTypes(fresh);
    const expected = filesUnder(fresh);
    const committed = filesUnder(join(repositoryRoot, 'proto/generated'));
    assert.deepEqual([...committed.keys()].sort(), [...expected.keys()].sort());
    for (const [path, text] of expected) assert.equal(committed.get(path), text, `proto/generated/${path} is stale`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
