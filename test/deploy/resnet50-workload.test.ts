import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildResnet50 } from '../../deploy/workloads/resnet50/build-resnet50.js';
import { repositoryRoot } from '../../proto/repository-root.js';

function onnxruntimeUnavailable(): string | undefined {
  try {
    createRequire(import.meta.url).resolve('onnxruntime-node');
    return undefined;
  } catch {
    return `onnxruntime-node is not installed here (an optional dependency without a build for ${process.arch})`;
  }
}

describe('the bundled ResNet-50 workload', () => {
  it('builds the standard ResNet-50 graph, the same bytes on every machine', () => {
    const model = buildResnet50();
    assert.ok(Math.abs(model.parameters - 25.6e6) < 0.2e6, `${model.parameters} parameters`);
    assert.equal(model.sha256, 'af50be817584d58688fb688e403d0daa880cc719b6ade4ec115c878149f0bedb');
  });

  const unavailable = onnxruntimeUnavailable();
  it('classifies generated images like the original script reports, in agreement with the golden labels', { skip: unavailable === undefined ? false : unavailable }, () => {
    const cache = mkdtempSync(join(tmpdir(), 'powerprof-model-'));
    const result = spawnSync(process.execPath, [join(repositoryRoot, 'dist/deploy/workloads/resnet50/run-resnet50.js'), '6', '--cache', cache], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^RIGHTS: 6$/m);
    assert.match(result.stdout, /^WRONGS: 0$/m);
    assert.match(result.stdout, /^ACC: 1\.0000$/m);
    assert.match(result.stdout, /^Time Elapsed: \d+\.\d{3}s$/m);
    assert.match(result.stdout, /^items: 6$/m);
    assert.match(result.stdout, /labels mean nothing/);
  });

  it('the original Keras script, fixed, is valid Python', { skip: spawnSync('sh', ['-c', 'command -v python3']).status === 0 ? false : 'python3 is not installed' }, () => {
    const compiled = spawnSync('python3', ['-m', 'py_compile', join(repositoryRoot, 'deploy/workloads/resnet50_keras.py')], { encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stderr);
  });
});
