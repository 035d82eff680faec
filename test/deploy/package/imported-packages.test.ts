import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { importedPackages, packageName } from '../../../deploy/package/imported-packages.js';
import { repositoryRoot } from '../../../proto/repository-root.js';
import { fileTree } from '../../support/file-tree.js';

it('collects the packages compiled code imports, following its relative imports only from the entry', () => {
  const root = fileTree({
    'main.js':
      "import { a } from './a.js';\nimport 'side-effect';\nimport fs from 'node:fs';\nimport path from 'path';\nconst later = await import('./lazy.js');\n",
    'a.js': "export { grpc } from '@grpc/grpc-js/build/src/index.js';\nexport const y = createRequire(import.meta.url)('yaml');\n",
    'lazy.js': "const { default: pretty } = await import('pino-pretty');\nconst r = require('legacy');\n",
    'unreached.js': "import 'vega';\n",
  });
  assert.deepEqual([...importedPackages([join(root, 'main.js')])].sort(), ['@grpc/grpc-js', 'legacy', 'pino-pretty', 'side-effect', 'yaml']);
  assert.ok(importedPackages([root]).has('vega'), 'a directory entry takes every .js file under it');
  assert.equal(packageName('@grpc/grpc-js/build/x.js'), '@grpc/grpc-js');
  assert.equal(packageName('pino/file'), 'pino');
});

it('the compiled code never imports a computed name, which the walk could not follow', () => {
  const computed: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        for (const [call] of readFileSync(path, 'utf8').matchAll(/(?:\bimport|\brequire|\bcreateRequire\([^)]*\))\(\s*(?![\s'"]).{0,40}/g))
          computed.push(`${path}: ${call}`);
      }
    }
  };
  for (const dir of ['dist/agent', 'dist/collector', 'dist/proto', 'dist/deploy/workloads']) walk(join(repositoryRoot, dir));
  assert.deepEqual(computed, []);
});
