#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { repositoryRoot } from '../../../proto/repository-root.js';
import { generatedImages, imagesFromDirectory, SIZE, type Image } from './images.js';
import { seededModelPath } from './model-cache.js';

/**
 * The bundled inference workload: ResNet-50 with onnxruntime-node, printing
 * what the original experiment's script printed (RIGHTS, WRONGS, ACC,
 * Time Elapsed) plus items and images/s, which the agent records.
 *
 * By default the model is the standard ResNet-50 graph with seeded weights
 * (built once into a cache) classifying generated images: the compute of the
 * original, but its labels mean nothing, so ACC is agreement with stored
 * golden labels, a reproducibility check. With --model, --labels, --images
 * and --target it runs a real pretrained model on real photos.
 */

const USAGE = `Usage: run-resnet50 [IMAGES=20] [--threads N] [--cache DIR]
       run-resnet50 [IMAGES] --model FILE.onnx --labels FILE --images DIR --target LABEL
  IMAGES          how many images to classify (generated ones by default)
  --threads N     onnxruntime intra-op threads (default 1; spinning off)
  --cache DIR     where the seeded model is built once (default ~/.cache/powerprof)
  --model FILE    a real ONNX classifier taking [N,3,224,224] (e.g. the ONNX model zoo's ResNet50)
  --labels FILE   its class names, one per line
  --images DIR    JPEG/PNG photos to classify
  --target LABEL  the class that counts as right (the original: hotdog)
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      threads: { type: 'string', default: '1' },
      cache: { type: 'string' },
      model: { type: 'string' },
      labels: { type: 'string' },
      images: { type: 'string' },
      target: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const count = Number(positionals[0] ?? 20);
  const threads = Number(values.threads);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(threads) || threads < 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const real = values.model !== undefined;
  if (real && (values.labels === undefined || values.images === undefined || values.target === undefined)) {
    process.stderr.write(`run-resnet50: --model needs --labels, --images and --target\n${USAGE}`);
    return 2;
  }

  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    process.stderr.write(
      'run-resnet50: onnxruntime-node is not installed (an optional dependency; it has no build for this architecture, e.g. ppc64le). Profile your own workload instead.\n',
    );
    return 2;
  }

  const modelPath = real ? values.model! : seededModelPath(values.cache);
  const images: Image[] = real ? await imagesFromDirectory(values.images!, count) : generatedImages(count, 1);
  const labels = real ? (await readFile(values.labels!, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '') : undefined;
  const golden = real ? undefined : goldenLabels();

  // Spinning off: idle threads sleep, so the CPU time perf sees is the work.
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;

  let rights = 0;
  const predictions: number[] = [];
  const started = performance.now();
  for (const [index, image] of images.entries()) {
    const output = await session.run({ [inputName]: new ort.Tensor('float32', image.pixels, [1, 3, SIZE, SIZE]) });
    const top = argmax(output[outputName]!.data as Float32Array);
    predictions.push(top);
    const right = real ? (labels![top] ?? '').toLowerCase().includes(values.target!.toLowerCase()) : golden![index % golden!.length] === top;
    if (right) rights++;
  }
  const seconds = (performance.now() - started) / 1000;
  await session.release();

  if (!real)
    process.stdout.write(
      'model: ResNet-50 with seeded weights; its labels mean nothing, so ACC is agreement with stored golden labels (a reproducibility check)\n',
    );
  process.stdout.write(`RIGHTS: ${rights}\nWRONGS: ${images.length - rights}\nACC: ${(rights / images.length).toFixed(4)}\n`);
  process.stdout.write(`Time Elapsed: ${seconds.toFixed(3)}s\nitems: ${images.length}\nimages/s: ${(images.length / seconds).toFixed(2)}\n`);
  if (process.env.POWERPROF_PRINT_PREDICTIONS === '1') process.stdout.write(`predictions: ${predictions.join(' ')}\n`);
  return 0;
}

/** The seeded model's top-1 class for generated images 0, 1, 2, ... (cycled), as recorded on the reference machine. */
function goldenLabels(): number[] {
  return JSON.parse(readFileSync(join(repositoryRoot, 'deploy/workloads/resnet50/golden-labels.json'), 'utf8')) as number[];
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`run-resnet50: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
