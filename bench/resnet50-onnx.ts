// A full-width ResNet-50 (torchvision's resnet50 layout, v1.5: the stride on the bottleneck's 3×3 conv)
// as an ONNX graph with random weights, built in memory with onnx-proto so the repository ships no
// 100 MB file: Conv(7×7/2) → BN → ReLU → MaxPool(3×3/2) → 16 bottlenecks (3, 4, 6, 3; widths 64–512,
// outputs 256–2048; projection shortcut on each stage's first block) → GlobalAveragePool → Flatten →
// Gemm(2048→1000). BatchNormalization nodes are kept (not folded), as in a PyTorch export for BN Lens.
// Weights are uniform He-scaled (activations stay of order one), BN statistics near 0 and 1.
import { onnx } from 'onnx-proto';

/** ResNet-50's stages: [blocks, bottleneck width, output channels, stride of the first block]. */
const STAGES: [number, number, number, number][] = [[3, 64, 256, 1], [4, 128, 512, 2], [6, 256, 1024, 2], [3, 512, 2048, 2]];

const A = onnx.AttributeProto.AttributeType;

/** A deterministic uniform generator in [−1, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

export interface BuiltOnnx {
  bytes: Uint8Array;
  convs: number;
  batchNorms: number;
  parameters: number;
}

/** The model with input "input" [batch, 3, size, size] (batch symbolic) and output "logits". */
export function buildResNet50(size = 224): BuiltOnnx {
  const rand = lcg(50);
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let parameters = 0;
  let convs = 0;
  const param = (name: string, dims: number[], fill: (i: number) => number): string => {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = fill(i);
    inits.push(floatTensor(name, dims, values));
    parameters += n;
    return name;
  };
  const convBn = (input: string, inC: number, outC: number, k: number, stride: number, relu: boolean): string => {
    const i = convs++;
    const bound = Math.sqrt(6 / (inC * k * k));
    const w = param(`conv${i}.weight`, [outC, inC, k, k], () => rand() * bound);
    const pad = (k - 1) >> 1;
    nodes.push({ name: `conv${i}`, opType: 'Conv', input: [input, w], output: [`conv${i}`], attribute: [
      { name: 'kernel_shape', type: A.INTS, ints: [k, k] },
      { name: 'strides', type: A.INTS, ints: [stride, stride] },
      { name: 'pads', type: A.INTS, ints: [pad, pad, pad, pad] },
    ] });
    const bn = [
      param(`bn${i}.scale`, [outC], () => 1 + 0.1 * rand()),
      param(`bn${i}.bias`, [outC], () => 0.1 * rand()),
      param(`bn${i}.mean`, [outC], () => 0.1 * rand()),
      param(`bn${i}.var`, [outC], () => 1 + 0.2 * rand()),
    ];
    nodes.push({ name: `bn${i}`, opType: 'BatchNormalization', input: [`conv${i}`, ...bn], output: [`bn${i}`],
      attribute: [{ name: 'epsilon', type: A.FLOAT, f: 1e-5 }] });
    if (!relu) return `bn${i}`;
    nodes.push({ name: `relu${i}`, opType: 'Relu', input: [`bn${i}`], output: [`relu${i}`] });
    return `relu${i}`;
  };

  let x = convBn('input', 3, 64, 7, 2, true);
  nodes.push({ name: 'maxpool', opType: 'MaxPool', input: [x], output: ['maxpool'], attribute: [
    { name: 'kernel_shape', type: A.INTS, ints: [3, 3] },
    { name: 'strides', type: A.INTS, ints: [2, 2] },
    { name: 'pads', type: A.INTS, ints: [1, 1, 1, 1] },
  ] });
  x = 'maxpool';
  let channels = 64;
  let blocks = 0;
  for (const [count, width, out, firstStride] of STAGES) {
    for (let b = 0; b < count; b++) {
      const stride = b === 0 ? firstStride : 1;
      let y = convBn(x, channels, width, 1, 1, true);
      y = convBn(y, width, width, 3, stride, true);
      y = convBn(y, width, out, 1, 1, false);
      const shortcut = b === 0 ? convBn(x, channels, out, 1, stride, false) : x;
      const add = `block${blocks++}`;
      nodes.push({ name: add, opType: 'Add', input: [y, shortcut], output: [add] });
      nodes.push({ name: `${add}.relu`, opType: 'Relu', input: [add], output: [`${add}.relu`] });
      x = `${add}.relu`;
      channels = out;
    }
  }
  nodes.push({ name: 'avgpool', opType: 'GlobalAveragePool', input: [x], output: ['avgpool'] });
  nodes.push({ name: 'flatten', opType: 'Flatten', input: ['avgpool'], output: ['flatten'], attribute: [{ name: 'axis', type: A.INT, i: 1 }] });
  const fcBound = Math.sqrt(1 / 2048);
  const fcW = param('fc.weight', [1000, 2048], () => rand() * fcBound);
  const fcB = param('fc.bias', [1000], () => rand() * fcBound);
  nodes.push({ name: 'fc', opType: 'Gemm', input: ['flatten', fcW, fcB], output: ['logits'], attribute: [{ name: 'transB', type: A.INT, i: 1 }] });

  const tensorType = (dims: (number | string)[]): onnx.ITypeProto => ({
    tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8, producerName: 'bnlens-bench', opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'resnet50', node: nodes, initializer: inits,
      input: [{ name: 'input', type: tensorType(['batch', 3, size, size]) }],
      output: [{ name: 'logits', type: tensorType(['batch', 1000]) }],
    },
  };
  return { bytes: onnx.ModelProto.encode(model).finish(), convs, batchNorms: convs, parameters };
}

/** The same ONNX model with its first input's spatial size set (a torchvision export declares its example's). */
export function withInputSize(bytes: Uint8Array, size: number): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const dims = model.graph?.input?.[0]?.type?.tensorType?.shape?.dim;
  if (!dims || dims.length !== 4) throw new Error('the model has no 4-D first input');
  dims[2] = { dimValue: size };
  dims[3] = { dimValue: size };
  return onnx.ModelProto.encode(model).finish();
}
