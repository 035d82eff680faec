import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
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
  it(
    'classifies generated images like the original script reports, in agreement with the golden labels',
    { skip: unavailable === undefined ? false : unavailable },
    () => {
      const cache = mkdtempSync(join(tmpdir(), 'powerprof-model-'));
      const result = spawnSync(process.execPath, [join(repositoryRoot, 'dist/deploy/workloads/resnet50/run-resnet50.js'), '6', '--cache', cache], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^RIGHTS: 6$/m);
      assert.match(result.stdout, /^WRONGS: 0$/m);
      assert.match(result.stdout, /^ACC: 1\.0000$/m);
      assert.match(result.stdout, /^Time Elapsed: \d+\.\d{3}s$/m);
      assert.match(result.stdout, /^items: 6$/m);
      assert.match(result.stdout, /labels mean nothing/);
    },
  );

  it(
    'the original Keras script, fixed, is valid Python',
    { skip: spawnSync('sh', ['-c', 'command -v python3']).status === 0 ? false : 'python3 is not installed' },
    () => {
      const compiled = spawnSync('python3', ['-m', 'py_compile', join(repositoryRoot, 'deploy/workloads/resnet50_keras.py')], { encoding: 'utf8' });
      assert.equal(compiled.status, 0, compiled.stderr);
    },
  );
});

describe('real-model mode: photos from a directory', () => {
  const unavailable = onnxruntimeUnavailable();

  it('decodes JPEG and PNG in JavaScript and resizes them to 224 x 224', async () => {
    const { imagesFromDirectory } = await import('../../deploy/workloads/resnet50/images.js');
    const directory = photoDirectory();
    const images = await imagesFromDirectory(directory, 10);
    assert.deepEqual(
      images.map((image) => image.name),
      ['a.png', 'b.jpg'],
    );
    for (const image of images) {
      assert.equal(image.pixels.length, 3 * 224 * 224);
      assert.ok(image.pixels.every((value) => Number.isFinite(value)));
    }
    // A pure red PNG: red well above the ImageNet mean, green and blue below it.
    const plane = 224 * 224;
    assert.ok(images[0]!.pixels[0]! > 2 && images[0]!.pixels[plane]! < -1.5 && images[0]!.pixels[2 * plane]! < -1.5);
    await assert.rejects(imagesFromDirectory(mkdtempSync(join(tmpdir(), 'powerprof-empty-')), 10), /no \.jpg, \.jpeg or \.png files in/);
  });

  it('runs a given model on the photos and counts the target label as right', { skip: unavailable === undefined ? false : unavailable }, () => {
    const cache = mkdtempSync(join(tmpdir(), 'powerprof-model-'));
    const model = join(cache, 'model.onnx');
    writeFileSync(model, buildResnet50().bytes);
    const labels = join(cache, 'labels.txt');
    writeFileSync(labels, Array.from({ length: 1000 }, (_, i) => (i === 974 ? 'hotdog, hot dog, red hot' : `class ${i}`)).join('\n'));
    const result = spawnSync(
      process.execPath,
      [
        join(repositoryRoot, 'dist/deploy/workloads/resnet50/run-resnet50.js'),
        '10',
        '--model',
        model,
        '--labels',
        labels,
        '--images',
        photoDirectory(),
        '--target',
        'hotdog',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^items: 2$/m);
    assert.match(result.stdout, /^RIGHTS: [0-2]$/m);
    assert.doesNotMatch(result.stdout, /labels mean nothing/, "a real model's accuracy is reported as accuracy");
  });
});

/** A 64x48 red PNG and a 40x30 gradient JPEG, encoded here. */
function photoDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'powerprof-photos-'));
  const png = new PNG({ width: 64, height: 48 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([255, 0, 0, 255], i);
  writeFileSync(join(directory, 'a.png'), PNG.sync.write(png));
  const pixels = Buffer.alloc(40 * 30 * 4);
  for (let i = 0; i < 40 * 30; i++) pixels.set([i % 256, (i * 3) % 256, 128, 255], i * 4);
  writeFileSync(join(directory, 'b.jpg'), jpeg.encode({ data: pixels, width: 40, height: 30 }, 90).data);
  writeFileSync(join(directory, 'notes.txt'), 'not a photo');
  return directory;
}
