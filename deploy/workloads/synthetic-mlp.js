#!/usr/bin/env node
// A small, dependency-free stand-in inference workload: a 3-layer perceptron
// (256 -> 512 -> 512 -> 10, ReLU, float32) with seeded weights classifying
// seeded random inputs. Its labels mean nothing; it exists so that the demo
// and the tests profile real dense-matrix compute on any machine, POWER included.
//
// Usage: node synthetic-mlp.js [ITEMS=2000] [SEED=1]
// Prints, like the original experiment's script: items, Time Elapsed (s), items/s.

const items = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(items) || items < 1 || !Number.isInteger(seed)) {
  console.error('usage: synthetic-mlp.js [ITEMS>=1] [SEED]');
  process.exit(2);
}

// Mulberry32: small, fast, deterministic.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function layer(inputs, outputs) {
  const weights = new Float32Array(inputs * outputs);
  const scale = Math.sqrt(2 / inputs);
  for (let i = 0; i < weights.length; i++) weights[i] = (random() * 2 - 1) * scale;
  return { inputs, outputs, weights, bias: new Float32Array(outputs) };
}

function forward({ inputs, outputs, weights, bias }, x, relu) {
  const y = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let sum = bias[o];
    const row = o * inputs;
    for (let i = 0; i < inputs; i++) sum += weights[row + i] * x[i];
    y[o] = relu && sum < 0 ? 0 : sum;
  }
  return y;
}

const network = [layer(256, 512), layer(512, 512), layer(512, 10)];
const histogram = new Array(10).fill(0);
const started = process.hrtime.bigint();
for (let n = 0; n < items; n++) {
  let x = new Float32Array(256);
  for (let i = 0; i < x.length; i++) x[i] = random();
  network.forEach((l, index) => (x = forward(l, x, index < network.length - 1)));
  let best = 0;
  for (let k = 1; k < x.length; k++) if (x[k] > x[best]) best = k;
  histogram[best]++;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`items: ${items}`);
console.log(`classes ${histogram.join(' ')}`);
console.log(`Time Elapsed: ${seconds.toFixed(3)}s`);
console.log(`items/s: ${(items / seconds).toFixed(1)}`);
