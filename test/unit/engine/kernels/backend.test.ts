import { afterEach, describe, expect, it } from 'vitest';
import { jsKernels, kernels, setKernels, type Kernels } from '../../../../src/engine/kernels';
import { Conv2d, Dense } from '../../../../src/engine/layers';
import { pool2d } from '../../../../src/engine/ops/pool';
import { createRng } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';

afterEach(() => {
  setKernels(jsKernels);
});

describe('kernel backend', () => {
  it('layers run their hot loops through the installed backend', () => {
    const calls: string[] = [];
    const counting: Kernels = {
      name: 'counting',
      gemm: (args) => {
        calls.push(`gemm ${args.m}x${args.n}x${args.k}`);
        jsKernels.gemm(args);
      },
      im2col: (g, input, offset, col) => {
        calls.push('im2col');
        jsKernels.im2col(g, input, offset, col);
      },
      col2im: (g, col, grad, offset) => {
        calls.push('col2im');
        jsKernels.col2im(g, col, grad, offset);
      },
      conv2dForward: (p, x, w, bias, y) => {
        calls.push(`conv2dForward ${p.batch}x${p.outChannels}/${p.groups} ${p.geometry.outH}x${p.geometry.outW} bias ${bias?.length}`);
        jsKernels.conv2dForward(p, x, w, bias, y);
      },
      conv2dBackward: (p, x, w, dy, dx, dw) => {
        calls.push(`conv2dBackward ${p.batch}x${p.outChannels}/${p.groups}`);
        jsKernels.conv2dBackward(p, x, w, dy, dx, dw);
      },
      maxPool2d: (g, planes, x, y) => {
        calls.push(`maxPool2d ${planes}x${g.outH}x${g.outW}`);
        jsKernels.maxPool2d(g, planes, x, y);
      },
    };
    expect(setKernels(counting)).toBe(jsKernels);
    expect(kernels().name).toBe('counting');
    const ctx = { training: true, rng: createRng(0) };
    const dense = new Dense({ inFeatures: 3, outFeatures: 2 }, createRng(1));
    dense.forward([Tensor.zeros([5, 3])], ctx);
    dense.backward(Tensor.zeros([5, 2]));
    expect(calls).toEqual(['gemm 5x2x3', 'gemm 5x3x2', 'gemm 2x3x5']);
    calls.length = 0;
    const conv = new Conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, groups: 2 }, createRng(2));
    conv.forward([Tensor.zeros([1, 2, 4, 4])], ctx);
    conv.backward(Tensor.zeros([1, 4, 2, 2]));
    expect(calls).toEqual(['conv2dForward 1x4/2 2x2 bias 4', 'conv2dBackward 1x4/2']);
    calls.length = 0;
    pool2d(Tensor.zeros([2, 3, 5, 5]), 'max', { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false });
    pool2d(Tensor.zeros([2, 3, 5, 5]), 'avg', { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false, countIncludePad: false });
    expect(calls).toEqual(['maxPool2d 6x3x3']);
  });
});
