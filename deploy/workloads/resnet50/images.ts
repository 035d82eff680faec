import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** ImageNet's per-channel mean and standard deviation, the preprocessing ResNet-50 was trained with. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
export const SIZE = 224;

export interface Image {
  name: string;
  /** 3 x 224 x 224, channel-major, normalized. */
  pixels: Float32Array;
}

/** Deterministic images (smooth colour fields with seeded noise): the default, no network, no files. */
export function generatedImages(count: number, seed: number): Image[] {
  return Array.from({ length: count }, (_, index) => {
    let state = (seed * 7919 + index * 104729) >>> 0;
    const random = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const [a, b, c] = [random() * 6, random() * 6, random() * 6];
    const rgba = new Uint8Array(SIZE * SIZE * 4);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const at = (y * SIZE + x) * 4;
        rgba[at] = 128 + 100 * Math.sin((x / SIZE) * a + (y / SIZE) * b) + (random() - 0.5) * 40;
        rgba[at + 1] = 128 + 100 * Math.cos((y / SIZE) * c + a) + (random() - 0.5) * 40;
        rgba[at + 2] = 128 + 100 * Math.sin((x / SIZE) * c - b) + (random() - 0.5) * 40;
      }
    }
    return { name: `generated-${index}`, pixels: normalize(rgba, SIZE, SIZE) };
  });
}

/** JPEG and PNG files of a directory, decoded in JavaScript, resized to 224 x 224. */
export async function imagesFromDirectory(directory: string, limit: number): Promise<Image[]> {
  const files = (await readdir(directory))
    .filter((name) => /^\.(jpe?g|png)$/i.test(extname(name)))
    .sort()
    .slice(0, limit);
  if (files.length === 0) throw new Error(`no .jpg, .jpeg or .png files in ${directory}`);
  return Promise.all(
    files.map(async (name) => {
      const bytes = await readFile(join(directory, name));
      const decoded = /\.png$/i.test(name) ? PNG.sync.read(bytes) : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { name, pixels: normalize(resize(decoded.data, decoded.width, decoded.height), SIZE, SIZE) };
    }),
  );
}

/** Bilinear resize of RGBA to 224 x 224 RGBA. */
function resize(rgba: Uint8Array | Buffer, width: number, height: number): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    const sy = ((y + 0.5) * height) / SIZE - 0.5;
    const y0 = Math.max(0, Math.floor(sy));
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = Math.min(1, Math.max(0, sy - y0));
    for (let x = 0; x < SIZE; x++) {
      const sx = ((x + 0.5) * width) / SIZE - 0.5;
      const x0 = Math.max(0, Math.floor(sx));
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = Math.min(1, Math.max(0, sx - x0));
      for (let c = 0; c < 4; c++) {
        const top = rgba[(y0 * width + x0) * 4 + c]! * (1 - fx) + rgba[(y0 * width + x1) * 4 + c]! * fx;
        const bottom = rgba[(y1 * width + x0) * 4 + c]! * (1 - fx) + rgba[(y1 * width + x1) * 4 + c]! * fx;
        out[(y * SIZE + x) * 4 + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

function normalize(rgba: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  const pixels = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) pixels[c * plane + i] = (rgba[i * 4 + c]! / 255 - MEAN[c]!) / STD[c]!;
  }
  return pixels;
}
