// The importer itself: what it folds at import, what it leaves to run time, and how it fails.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { importOnnx, SUPPORTED_ONNX_OPS } from '../../../../src/analysis/import/onnx';
import { ImportError } from '../../../../src/analysis/import/common';
import { forwardPass } from '../../../../src/analysis/forward';
import { fileSource } from '../../../../src/cli/nodeSource';
import { FunctionLayer } from '../../../../src/engine/ops/functionLayer';
import { Tensor } from '../../../../src/engine/tensor';
import { readNpz, type NpyArray } from '../../../../src/formats/npy';
import { readModel } from '../../../../src/formats/read';
import { REPO_ROOT } from '../../fixtures';

const CORPUS = path.join(REPO_ROOT, 'test/fixtures/onnx-real');
const I64 = onnx.TensorProto.DataType.INT64;

function graphModel(nodes: onnx.INodeProto[], initializers: onnx.ITensorProto[], opset = 13): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g', node: nodes, initializer: initializers,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 6 }, { dimValue: 2 }, { dimValue: 2 }] } } } }],
      output: [{ name: 'y' }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const load = (bytes: Uint8Array) => readModel({ name: 'graph.onnx', bytes, readSibling: async () => null });

describe('the ONNX importer', () => {
  it.each([['in file order', false], ['from a file whose nodes are not sorted', true]])('folds shape arithmetic on stored tensors at import, leaving one layer to run (%s)', async (_, reversed) => {
    const nodes: onnx.INodeProto[] = [
      { name: 'shape', opType: 'Shape', input: ['w'], output: ['s'] },
      { name: 'prod', opType: 'ReduceProd', input: ['s'], output: ['p'], attribute: [{ name: 'keepdims', type: 2, i: 1 }] },
      { name: 'cat', opType: 'Concat', input: ['zero', 'p', 'minus'], output: ['target'], attribute: [{ name: 'axis', type: 2, i: 0 }] },
      { name: 'reshape', opType: 'Reshape', input: ['x', 'target'], output: ['y'] },
    ];
    const bytes = graphModel(reversed ? [...nodes].reverse() : nodes, [
      { name: 'w', dims: [2, 3], dataType: 1, floatData: [1, 2, 3, 4, 5, 6] },
      { name: 'zero', dims: [1], dataType: I64, int64Data: [0] },
      { name: 'minus', dims: [1], dataType: I64, int64Data: [-1] },
    ]);
    const { model } = importOnnx(await load(bytes));
    expect(model.nodes.map((n) => n.name)).toEqual(['reshape']);
    const y = model.eval().forward(Tensor.zeros([5, 6, 2, 2]));
    expect(y.shape).toEqual([5, 6, 4]);
  });

  it('folds a bias made from a weight\'s shape and CastLike to an activation\'s type (torch 2.x export without its optimizer)', async () => {
    const bytes = graphModel([
      { name: 'pool', opType: 'MaxPool', input: ['x'], output: ['pooled'], attribute: [{ name: 'kernel_shape', type: 7, ints: [1, 1] }] },
      { name: 'channels', opType: 'Shape', input: ['w'], output: ['c'], attribute: [{ name: 'end', type: 2, i: 1 }] },
      { name: 'zero_like', opType: 'CastLike', input: ['zero', 'pooled'], output: ['z'] },
      { name: 'bias', opType: 'Expand', input: ['z', 'c'], output: ['b'] },
      { name: 'conv', opType: 'Conv', input: ['pooled', 'w', 'b'], output: ['y'] },
    ], [
      { name: 'w', dims: [3, 6, 1, 1], dataType: 1, floatData: Array.from({ length: 18 }, (_, i) => i / 10) },
      { name: 'zero', dims: [], dataType: 11, doubleData: [0] },
    ], 15);
    const { model } = importOnnx(await load(bytes));
    expect(model.nodes.map((n) => n.name)).toEqual(['pool', 'conv']);
    const y = model.eval().forward(Tensor.filled([1, 6, 2, 2], 1));
    expect(Array.from(y.data.subarray(0, 4), (v) => Number(v.toFixed(5)))).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  it.each([
    ['a scalar split, the last piece smaller', [{ name: 'axis', type: 2, i: 1 }], [4], -1],
    ['split sizes', [{ name: 'axis', type: 2, i: 1 }], [1, 5], 1],
    ['no split, keepdims=0', [{ name: 'axis', type: 2, i: 1 }, { name: 'keepdims', type: 2, i: 0 }], null, 2],
  ] as const)('runs SequenceAt(SplitToSequence) as ONNX Runtime does: %s', async (_, attribute, sizes, position) => {
    const bytes = graphModel([
      { name: 'seq', opType: 'SplitToSequence', input: ['x', sizes ? 'sizes' : ''], output: ['s'], attribute: [...attribute] },
      { name: 'at', opType: 'SequenceAt', input: ['s', 'position'], output: ['y'] },
    ], [
      ...(sizes ? [{ name: 'sizes', dims: sizes.length === 1 ? [] : [sizes.length], dataType: I64, int64Data: [...sizes] }] : []),
      { name: 'position', dims: [], dataType: I64, int64Data: [position] },
    ]);
    const x = Float32Array.from({ length: 2 * 6 * 4 }, (_, i) => Math.sin(i));
    const session = await ort.InferenceSession.create(bytes);
    const theirs = (await session.run({ x: new ort.Tensor('float32', x, [2, 6, 2, 2]) })).y;
    const { model } = importOnnx(await load(bytes));
    const ours = model.eval().forward(Tensor.fromArray(x, [2, 6, 2, 2]));
    expect(ours.shape).toEqual(theirs.dims);
    expect(Array.from(ours.data)).toEqual(Array.from(theirs.data as Float32Array));
  });

  it('broadcasts as opsets before 7 did: broadcast=1 with axis aligns B from that axis (caffe2-era per-channel Add)', async () => {
    // ONNX Runtime runs no opset-6 Add, so the expected values are written out: x[n, c, h, w] + b[c].
    const bytes = graphModel([{ name: 'add', opType: 'Add', input: ['x', 'b'], output: ['y'], attribute: [{ name: 'broadcast', type: 2, i: 1 }, { name: 'axis', type: 2, i: 1 }] }],
      [{ name: 'b', dims: [6], dataType: 1, floatData: [10, 20, 30, 40, 50, 60] }], 6);
    const { model } = importOnnx(await load(bytes));
    const y = model.eval().forward(Tensor.fromArray(Array.from({ length: 24 }, (_, i) => i), [1, 6, 2, 2]));
    expect(Array.from(y.data)).toEqual(Array.from({ length: 24 }, (_, i) => i + 10 * (Math.floor(i / 4) + 1)));
  });

  it('evaluates shape arithmetic on activations at run time, so the batch size stays free', async () => {
    const description = await readModel(await fileSource(path.join(CORPUS, 'shufflenet_v2.ts13.onnx')));
    const { model } = importOnnx(description);
    const runtimeShapes = model.nodes.filter((n) => n.layer instanceof FunctionLayer && n.layer.kind === 'Shape');
    expect(runtimeShapes.length).toBeGreaterThan(0);
    // The reference batch of 2 plus a third sample: the first two outputs are ONNX Runtime's for the batch of 2.
    const reference = readNpz('ref', new Uint8Array(readFileSync(path.join(CORPUS, 'shufflenet_v2.ref.npz'))));
    const input = reference.get('input') as NpyArray;
    const three = new Float32Array(input.data.length * 1.5);
    three.set(input.data);
    three.set(input.data.subarray(0, input.data.length / 2), input.data.length);
    const result = forwardPass(description, new Map([['input', Tensor.fromArray(three, [3, 3, 32, 32])]]), 'eval');
    const expected = reference.get('output.ts13') as NpyArray;
    expect(result.output.shape).toEqual([3, 10]);
    for (let i = 0; i < 20; i++) expect(result.output.data[i]).toBeCloseTo(expected.data[i], 4);
    for (let i = 0; i < 10; i++) expect(result.output.data[20 + i]).toBeCloseTo(expected.data[i], 4);
  });

  it.each([['vit.ts14.onnx', 5], ['convnext.ts13.onnx', 7]] as const)('runs each LayerNorm %s wrote out as ReduceMean/Sub/Pow/Sqrt/Div as one LayerNorm', async (file, count) => {
    const description = await readModel(await fileSource(path.join(CORPUS, file)));
    const { model, normNodes } = importOnnx(description);
    expect(normNodes).toHaveLength(count);
    expect(normNodes.every((name) => model.layer(name).kind === 'LayerNorm')).toBe(true);
    expect(model.nodes.some((n) => n.layer instanceof FunctionLayer && n.layer.kind === 'Pow')).toBe(false);
  });

  it('names the node when an input does not fit it at run time', async () => {
    const bytes = graphModel([{ name: 'to_rows', opType: 'Reshape', input: ['x', 'target'], output: ['y'] }],
      [{ name: 'target', dims: [2], dataType: I64, int64Data: [5, -1] }]);
    const { model } = importOnnx(await load(bytes));
    expect(() => model.eval().forward(Tensor.zeros([3, 6, 2, 2]))).toThrow("Reshape 'to_rows': cannot reshape [3,6,2,2] to [5,-1]");
  });

  it.each(['unet.ts9.onnx', 'unet.ts13.onnx', 'unet.dynamo.onnx'])('runs the GroupNorm %s wrote as Reshape/InstanceNormalization/Reshape/Mul/Add as one GroupNorm', async (file) => {
    const description = await readModel(await fileSource(path.join(CORPUS, file)));
    const { model, normNodes } = importOnnx(description);
    expect(normNodes.map((name) => model.layer(name).kind).filter((k) => k === 'GroupNorm')).toHaveLength(1);
    // The affine InstanceNorm2d of the decoder is a real InstanceNormalization and stays one.
    expect(normNodes.map((name) => model.layer(name).kind).filter((k) => k === 'InstanceNorm')).toHaveLength(1);
  });

  it('does not run, nor need to know, a node the output does not depend on', async () => {
    const bytes = graphModel([
      { name: 'unused', opType: 'NonMaxSuppression', input: ['x'], output: ['nothing'] },
      { name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] },
    ], []);
    const { model } = importOnnx(await load(bytes));
    expect(model.nodes.map((n) => n.name)).toEqual(['relu']);
  });

  it('names an operator it lacks, with its node', async () => {
    const bytes = graphModel([{ name: 'odd', opType: 'NonMaxSuppression', input: ['x'], output: ['y'] }], []);
    const description = await load(bytes);
    expect(() => importOnnx(description)).toThrow(ImportError);
    expect(() => importOnnx(description)).toThrow(/graph\.onnx: the engine has no 'NonMaxSuppression' operator \(it runs .*\); the normalization layers are still listed \(node 'odd' \(NonMaxSuppression, graph\.node\[0\]\)\)/);
  });

  it('names the node and the problem when an operator cannot take its attributes', async () => {
    const bytes = graphModel([{ name: 'pad', opType: 'Pad', input: ['x', 'pads'], output: ['y'], attribute: [{ name: 'mode', type: 3, s: new TextEncoder().encode('mirror') }] }],
      [{ name: 'pads', dims: [8], dataType: I64, int64Data: [0, 0, 1, 1, 0, 0, 1, 1] }]);
    const description = await load(bytes);
    expect(() => importOnnx(description)).toThrow(/Pad mode 'mirror'.*\(node 'pad' \(Pad, graph\.node\[0\]\)\)/);
  });

  it('lists what it supports, including every operator of the issue', () => {
    for (const op of ['Shape', 'Size', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'ConstantOfShape', 'Range', 'Expand', 'Equal', 'Where',
      'Reshape', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Exp', 'Log', 'Erf', 'Min', 'Max', 'Sum', 'Mean', 'Clip',
      'HardSigmoid', 'HardSwish', 'Sigmoid', 'Tanh', 'Softplus', 'Elu', 'Selu', 'PRelu', 'Gelu', 'Mish', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceL2',
      'Transpose', 'Split', 'Pad', 'Tile', 'Flatten', 'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalMaxPool', 'GlobalAveragePool', 'Resize',
      'Upsample', 'MatMul', 'Gemm', 'LRN', 'Softmax', 'LogSoftmax', 'LayerNormalization', 'GroupNormalization', 'InstanceNormalization', 'BatchNormalization']) {
      expect(SUPPORTED_ONNX_OPS, op).toContain(op);
    }
  });
});
