// Model.infer against Model.forward: the same outputs (float32: within 1e-5 of the output's largest
// magnitude; the fused epilogue rounds BatchNorm's scale and shift to float32 where the BatchNorm layer
// keeps them in float64), on the JavaScript and the WebAssembly kernels, and which nodes it fuses.

import { afterAll, describe, expect, it } from 'vitest';
import { kernels } from '../../../../src/engine/kernels';
import { installKernels } from '../../../../src/engine/kernels/select';
import type { WasmHeap } from '../../../../src/engine/kernels/wasm/runtime';
import { Add, Clip, Conv2d, ReLU, ReLU6 } from '../../../../src/engine/layers';
import type { Layer } from '../../../../src/engine/layer';
import { Model, type ModelNode } from '../../../../src/engine/model';
import { inferencePlan } from '../../../../src/engine/model/inference';
import { BatchNorm } from '../../../../src/engine/norm';
import { createRng } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';
import { kernelBinaries } from '../kernels/wasmBinaries';

/** Weights come from here; resnetLike() restarts it, so two of its models are equal. */
let rng = createRng(5);

function conv(name: string, inC: number, outC: number, k: number, stride = 1): Conv2d {
  return new Conv2d({ name, inChannels: inC, outChannels: outC, kernelSize: k, stride, padding: (k - 1) >> 1 }, rng);
}

/** A BatchNorm whose running statistics and affine parameters are not at their initial values. */
function bn(name: string, channels: number): BatchNorm {
  const layer = new BatchNorm({ name, numFeatures: channels });
  for (let c = 0; c < channels; c++) {
    (layer.runningMean as Tensor).data[c] = 0.3 * Math.sin(c + 1);
    (layer.runningVariance as Tensor).data[c] = 0.5 + 0.4 * Math.cos(c);
    (layer.gamma as { value: Tensor }).value.data[c] = 1 + 0.2 * Math.sin(3 * c);
    (layer.beta as { value: Tensor }).value.data[c] = 0.1 * Math.cos(2 * c);
  }
  return layer;
}

const node = (name: string, layer: Layer, inputs: string[]): ModelNode => ({ name, layer, inputs });

/**
 * A ResNet bottleneck with a projection shortcut (two conv → bn chains compete for the Add), an
 * identity block after it, a convolution whose output two nodes read (not fused), and a BatchNorm
 * as the model's output (its value is needed, so the chain before it stops there).
 */
function resnetLike(): Model {
  rng = createRng(5);
  return new Model({
    nodes: [
      node('stem', conv('stem', 3, 8, 3), ['input']),
      node('stem_bn', bn('stem_bn', 8), ['stem']),
      node('stem_relu', new ReLU({ name: 'stem_relu' }), ['stem_bn']),
      node('b1_conv1', conv('b1_conv1', 8, 4, 1), ['stem_relu']),
      node('b1_bn1', bn('b1_bn1', 4), ['b1_conv1']),
      node('b1_relu1', new ReLU({ name: 'b1_relu1' }), ['b1_bn1']),
      node('b1_conv2', conv('b1_conv2', 4, 16, 3, 2), ['b1_relu1']),
      node('b1_bn2', bn('b1_bn2', 16), ['b1_conv2']),
      node('b1_down', conv('b1_down', 8, 16, 1, 2), ['stem_relu']),
      node('b1_down_bn', bn('b1_down_bn', 16), ['b1_down']),
      node('b1_add', new Add({ name: 'b1_add' }), ['b1_bn2', 'b1_down_bn']),
      node('b1_relu', new ReLU({ name: 'b1_relu' }), ['b1_add']),
      node('b2_conv', conv('b2_conv', 16, 16, 3), ['b1_relu']),
      node('b2_bn', bn('b2_bn', 16), ['b2_conv']),
      node('b2_add', new Add({ name: 'b2_add' }), ['b1_relu', 'b2_bn']),
      node('b2_relu', new ReLU({ name: 'b2_relu' }), ['b2_add']),
      node('shared', conv('shared', 16, 6, 1), ['b2_relu']),
      node('shared_relu', new ReLU({ name: 'shared_relu' }), ['shared']),
      node('shared_add', new Add({ name: 'shared_add' }), ['shared', 'shared_relu']),
      node('head', conv('head', 6, 5, 3), ['shared_add']),
      node('head_bn', bn('head_bn', 5), ['head']),
    ],
  });
}

/** MobileNetV2's pattern: conv → bn → relu6, a depthwise conv → bn → relu6, a 1×1 conv → bn + residual. */
function mobileLike(): Model {
  rng = createRng(6);
  return new Model({
    nodes: [
      node('expand', conv('expand', 3, 12, 1), ['input']), node('expand_bn', bn('expand_bn', 12), ['expand']), node('expand_relu6', new ReLU6(), ['expand_bn']),
      node('dw', new Conv2d({ name: 'dw', inChannels: 12, outChannels: 12, groups: 12, kernelSize: 3, padding: 1 }, rng), ['expand_relu6']),
      node('dw_bn', bn('dw_bn', 12), ['dw']), node('dw_relu6', new ReLU6(), ['dw_bn']),
      node('project', conv('project', 12, 3, 1), ['dw_relu6']), node('project_bn', bn('project_bn', 3), ['project']),
      node('residual', new Add(), ['input', 'project_bn']),
    ],
  });
}

function input(seed: number): Tensor {
  const r = createRng(seed);
  const x = Tensor.zeros([3, 3, 11, 9]);
  for (let i = 0; i < x.size; i++) x.data[i] = r.normal();
  return x;
}

function expectSameOutput(actual: Tensor, expected: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.size; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]));
    worst = Math.max(worst, Math.abs(actual.data[i] - expected.data[i]));
  }
  expect(scale).toBeGreaterThan(0);
  expect(worst).toBeLessThanOrEqual(1e-5 * scale);
}

describe('the inference plan', () => {
  it('fuses each conv with the BatchNorm, Add and ReLU only it feeds, and nothing whose value is read elsewhere', () => {
    const model = resnetLike();
    const steps = inferencePlan(model.nodes, model.outputName).map((s) =>
      ('node' in s ? s.node.name : `[${[s.chain.conv, ...s.chain.after].map((n) => n.name).join(' ')}]`));
    expect(steps).toEqual([
      '[stem stem_bn stem_relu]',
      '[b1_conv1 b1_bn1 b1_relu1]',
      // The main path's conv comes first in the node order, so it takes the Add; the shortcut keeps its BatchNorm.
      '[b1_down b1_down_bn]',
      '[b1_conv2 b1_bn2 b1_add b1_relu]',
      '[b2_conv b2_bn b2_add b2_relu]',
      'shared', 'shared_relu', 'shared_add',
      '[head head_bn]',
    ]);
  });

  it('fuses a Clip (ReLU6) as a chain\'s last node, MobileNet\'s conv → bn → relu6', () => {
    const model = new Model({
      nodes: [
        node('c1', conv('c1', 3, 6, 3), ['input']), node('n1', bn('n1', 6), ['c1']), node('r6', new ReLU6(), ['n1']),
        node('c2', conv('c2', 6, 4, 1), ['r6']), node('clip', new Clip({ min: -0.25, max: 0.5 }), ['c2']),
        node('c3', conv('c3', 4, 4, 3), ['clip']), node('n3', bn('n3', 4), ['c3']),
      ],
    });
    const steps = inferencePlan(model.nodes, model.outputName).map((s) => ('node' in s ? s.node.name : [s.chain.conv, ...s.chain.after].map((n) => n.name).join('+')));
    expect(steps).toEqual(['c1+n1+r6', 'c2+clip', 'c3+n3']);
  });

  it('does not fuse past the model output', () => {
    const model = new Model({
      nodes: [node('c', conv('c', 2, 3, 3), ['input']), node('n', bn('n', 3), ['c']), node('r', new ReLU(), ['n'])],
      output: 'n',
    });
    const steps = inferencePlan(model.nodes, model.outputName).map((s) => ('node' in s ? s.node.name : [s.chain.conv, ...s.chain.after].map((n) => n.name).join('+')));
    expect(steps).toEqual(['c+n', 'r']);
  });
});

describe('Model.infer', () => {
  afterAll(async () => {
    await installKernels({ choice: 'js' });
  });

  for (const backend of ['js', 'wasm×1', 'wasm×2'] as const) {
    it(`gives forward()'s eval-mode output on the ${backend} kernels`, async () => {
      await installKernels(backend === 'js' ? { choice: 'js' } : { choice: 'wasm', binaries: kernelBinaries(), threads: backend === 'wasm×2' ? 2 : 1 });
      const model = resnetLike().eval();
      const x = input(1);
      const expected = model.forward(x);
      expectSameOutput(model.infer(x), expected);
      // A second pass reuses the cached plan and gives the same numbers.
      expectSameOutput(model.infer(x), expected);
      const mobile = mobileLike().eval();
      expectSameOutput(mobile.infer(x), mobile.forward(x));
    });
  }

  it('on the WebAssembly kernels, gives back every array it kept in their memory and hands out its output in memory of its own', async () => {
    await installKernels({ choice: 'wasm', binaries: kernelBinaries(), threads: 2 });
    const resident = kernels().resident as WasmHeap;
    const model = resnetLike().eval();
    // The output is a chain's (head → head_bn): it was in the kernels' memory and must be copied out.
    const out = model.infer(input(6));
    expect(out.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(resident.owner(out.data)).toBeUndefined();
    // With nothing live, the next resident array starts at the bottom of the heap again.
    const probe = resident.allocate(4);
    expect(probe.byteOffset).toBe(resident.base);
    resident.release(probe);
  });

  it('in train mode normalizes with the batch statistics and moves the running statistics as forward() does', async () => {
    await installKernels({ choice: 'js' });
    const a = resnetLike().train();
    const b = resnetLike().train();
    const x = input(2);
    expectSameOutput(b.infer(x), a.forward(x));
    const bufA = a.buffers();
    const bufB = b.buffers();
    for (const name of Object.keys(bufA)) expect(Array.from(bufB[name].data), name).toEqual(Array.from(bufA[name].data));
  });

  it('with an observer, runs and shows every node', () => {
    const model = resnetLike().eval();
    const seen: string[] = [];
    model.observer = (name) => seen.push(name);
    const x = input(3);
    const out = model.infer(x);
    model.observer = undefined;
    expect(seen).toEqual(model.nodes.map((n) => n.name));
    expectSameOutput(out, model.forward(x));
  });

  it('keeps nothing for backward()', () => {
    const model = resnetLike().eval();
    const out = model.infer(input(4));
    expect(() => model.backward(out)).toThrow('Model.backward() needs a forward() first (infer() keeps nothing for it)');
  });

  it('leaves an Add whose residual has another shape to the Add layer, which names the problem', () => {
    const model = new Model({
      inputs: ['x', 'r'],
      nodes: [node('c', conv('c', 2, 3, 3), ['x']), node('n', bn('n', 3), ['c']), node('a', new Add(), ['n', 'r']), node('relu', new ReLU(), ['a'])],
    }).eval();
    const small = { x: Tensor.zeros([2, 2, 4, 4]), r: Tensor.zeros([1, 3, 4, 4]) };
    expect(() => model.forward(small)).toThrow('Add: shapes [2,3,4,4] and [1,3,4,4] differ');
    expect(() => model.infer(small)).toThrow('Add: shapes [2,3,4,4] and [1,3,4,4] differ');
  });
});
