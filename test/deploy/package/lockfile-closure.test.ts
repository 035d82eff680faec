import assert from 'node:assert/strict';
import { it } from 'node:test';
import { lockfileClosure, type LockedPackage } from '../../../deploy/package/lockfile-closure.js';

// The shapes npm writes: a hoisted tree, a nested copy where versions clash, optional and peer dependencies.
const packages: Record<string, LockedPackage> = {
  '': { dependencies: { app: '1', web: '1' }, optionalDependencies: { heavy: '1' } },
  'node_modules/app': { dependencies: { shared: '2', '@scope/lib': '1' }, peerDependencies: { missingpeer: '1', presentpeer: '1' } },
  'node_modules/app/node_modules/shared': { dependencies: { leaf: '1' } },
  'node_modules/shared': { dependencies: {} },
  'node_modules/leaf': {},
  'node_modules/@scope/lib': { dependencies: { '@types/node': '1' }, optionalDependencies: { 'platform-binary': '1' } },
  'node_modules/@types/node': { dependencies: { 'undici-types': '1' } },
  'node_modules/undici-types': {},
  'node_modules/presentpeer': {},
  'node_modules/web': { dependencies: { shared: '1' } },
  'node_modules/heavy': { optional: true, dependencies: { leaf: '1' } },
};

it('follows dependencies as Node resolves them: a nested copy first, then each node_modules above', () => {
  const { paths, leftOut } = lockfileClosure(packages, ['app'], false);
  assert.deepEqual(paths, [
    'node_modules/@scope/lib',
    'node_modules/app',
    'node_modules/app/node_modules/shared',
    'node_modules/leaf',
    'node_modules/presentpeer',
  ]);
  assert.deepEqual(leftOut, []);
});

it('takes the hoisted copy for another importer, and leaves out type declarations and absent optional or peer packages', () => {
  assert.deepEqual(lockfileClosure(packages, ['web'], false).paths, ['node_modules/shared', 'node_modules/web']);
  assert.ok(!lockfileClosure(packages, ['app', 'web'], false).paths.some((path) => path.includes('@types') || path.includes('undici')));
});

it("leaves out the root's optional dependencies unless asked, and says which", () => {
  assert.deepEqual(lockfileClosure(packages, ['heavy'], false), { paths: [], leftOut: ['heavy'] });
  assert.deepEqual(lockfileClosure(packages, ['heavy'], true), { paths: ['node_modules/heavy', 'node_modules/leaf'], leftOut: [] });
});

it('refuses an import that package.json does not declare, naming it', () => {
  assert.throws(() => lockfileClosure(packages, ['undeclared'], false), /undeclared is imported but not in package-lock\.json/);
  assert.throws(
    () => lockfileClosure({ ...packages, 'node_modules/leaf': { dependencies: { gone: '1' } } }, ['web', 'heavy'], true),
    /node_modules\/leaf needs gone/,
  );
});
