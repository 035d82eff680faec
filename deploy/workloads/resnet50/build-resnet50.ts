import { createHash } from 'node:crypto';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { repositoryRoot } from '../../../proto/repository-root.js';

/**
 * The standard ResNet-50 graph (bottleneck blocks [3, 4, 6, 3], stride on
 * the 3x3 convolution, ~25.6 M parameters, ~4.1 GFLOPs per 224x224 image)
 * as an ONNX model, with seeded, deterministic weights: the same compute as
 * the original experiment's model, built here because no pretrained weights
 * can be downloaded. Batch normalization is folded into the convolutions'
 * biases, as inference runtimes do. Its labels mean nothing.
 */

export const MODEL_SEED = 50;
const OPSET = 13;
const FLOAT = 1;
const ATTRIBUTE_INTS = 7;
const ATTRIBUTE_INT = 2;

interface Tensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

interface Attribute {
  name: string;
  type: number;
  i?: number;
  ints?: number[];
}

interface Node {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: Attribute[];
}

/** Mulberry32: small, fast, the same numbers on every machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  parameters = 0;
  private count = 0;

  constructor(private readonly random: () => number) {}

  /** He-uniform weights, scaled; zero bias (a folded batch norm at rest). */
  conv(input: string, inChannels: number, outChannels: number, kernel: number, stride: number, scale = 1): string {
    const name = `conv${++this.count}`;
    const fanIn = inChannels * kernel * kernel;
    const limit = Math.sqrt(6 / fanIn) * scale;
    const weights = new Float32Array(outChannels * fanIn);
    for (let i = 0; i < weights.length; i++) weights[i] = (this.random() * 2 - 1) * limit;
    this.tensor(`${name}.weight`, [outChannels, inChannels, kernel, kernel], weights);
    this.tensor(`${name}.bias`, [outChannels], new Float32Array(outChannels));
    const pad = Math.floor(kernel / 2);
    this.node('Conv', [input, `${name}.weight`, `${name}.bias`], name, [
      ints('kernel_shape', [kernel, kernel]),
      ints('strides', [stride, stride]),
      ints('pads', [pad, pad, pad, pad]),
    ]);
    return name;
  }

  relu(input: string): string {
    return this.node('Relu', [input], `relu${++this.count}`, []);
  }

  add(a: string, b: string): string {
    return this.node('Add', [a, b], `add${++this.count}`, []);
  }

  maxPool(input: string): string {
    return this.node('MaxPool', [input], `pool${++this.count}`, [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])]);
  }

  head(input: string, features: number, classes: number): string {
    const pooled = this.node('GlobalAveragePool', [input], 'avgpool', []);
    const flat = this.node('Flatten', [pooled], 'flatten', [{ name: 'axis', type: ATTRIBUTE_INT, i: 1 }]);
    const limit = Math.sqrt(6 / features);
    const weights = new Float32Array(classes * features);
    for (let i = 0; i < weights.length; i++) weights[i] = (this.random() * 2 - 1) * limit;
    this.tensor('fc.weight', [classes, features], weights);
    this.tensor('fc.bias', [classes], new Float32Array(classes));
    return this.node('Gemm', [flat, 'fc.weight', 'fc.bias'], 'logits', [{ name: 'transB', type: ATTRIBUTE_INT, i: 1 }]);
  }

  private node(opType: string, input: string[], output: string, attribute: Attribute[]): string {
    this.nodes.push({ input, output: [output], name: output, op_type: opType, attribute });
    return output;
  }

  private tensor(name: string, dims: number[], values: Float32Array): void {
    this.parameters += values.length;
    this.initializers.push({ name, dims, data_type: FLOAT, raw_data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
  }
}

function ints(name: string, values: number[]): Attribute {
  return { name, type: ATTRIBUTE_INTS, ints: values };
}

/** One bottleneck block: 1x1 reduce, 3x3 (with the stride), 1x1 expand, plus the shortcut. */
function bottleneck(graph: GraphBuilder, input: string, inChannels: number, width: number, stride: number): string {
  const outChannels = width * 4;
  let x = graph.relu(graph.conv(input, inChannels, width, 1, 1));
  x = graph.relu(graph.conv(x, width, width, 3, stride));
  // A small last layer keeps the residual sum from growing through 16 blocks (the role zero-init gamma plays in training).
  x = graph.conv(x, width, outChannels, 1, 1, 0.2);
  const shortcut = stride !== 1 || inChannels !== outChannels ? graph.conv(input, inChannels, outChannels, 1, stride) : input;
  return graph.relu(graph.add(x, shortcut));
}

export interface BuiltModel {
  bytes: Uint8Array;
  parameters: number;
  sha256: string;
}

/** The model's bytes: the same for the same seed, on every machine. */
export function buildResnet50(seed = MODEL_SEED): BuiltModel {
  const graph = new GraphBuilder(seededRandom(seed));
  let x = graph.maxPool(graph.relu(graph.conv('images', 3, 64, 7, 2)));
  let channels = 64;
  for (const [width, blocks, stride] of [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ] as const) {
    for (let block = 0; block < blocks; block++) {
      x = bottleneck(graph, x, channels, width, block === 0 ? stride : 1);
      channels = width * 4;
    }
  }
  graph.head(x, channels, 1000);

  const root = new protobuf.Root().loadSync(join(repositoryRoot, 'deploy/workloads/resnet50/onnx-subset.proto'), { keepCase: true });
  const Model = root.lookupType('onnx.ModelProto');
  const tensorType = (dims: Array<number | string>) => ({
    tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } },
  });
  const message = Model.fromObject({
    ir_version: 8,
    producer_name: 'powerprof',
    producer_version: '1',
    doc_string: `ResNet-50 v1.5 with seeded weights (seed ${seed}); labels mean nothing`,
    opset_import: [{ domain: '', version: OPSET }],
    graph: {
      name: 'resnet50',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [{ name: 'images', type: tensorType(['N', 3, 224, 224]) }],
      output: [{ name: 'logits', type: tensorType(['N', 1000]) }],
    },
  });
  const bytes = Model.encode(message).finish();
  return { bytes, parameters: graph.parameters, sha256: createHash('sha256').update(bytes).digest('hex') };
}
