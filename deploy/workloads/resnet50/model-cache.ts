import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildResnet50, MODEL_SEED } from './build-resnet50.js';

/** Where the seeded model is kept between runs: built once (about a second), then reused. */
export function seededModelPath(cacheDir: string | undefined): string {
  const directory = cacheDir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'powerprof');
  const path = join(directory, `resnet50-seed${MODEL_SEED}.onnx`);
  if (existsSync(path)) return path;
  mkdirSync(directory, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, buildResnet50().bytes);
  renameSync(temporary, path);
  return path;
}
