import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { summarizeModel, toPytorchMomentum } from '../../../src/analysis/inventory';
import { effectiveAffine } from '../../../src/shared/effectiveAffine';
import { frameworkFixture } from '../fixtures';

async function summarize(relative: string) {
  const file = frameworkFixture('onnx-node-tests', relative);
  return summarizeModel(await readModel({ name: relative, bytes: readFileSync(file), readSibling: async () => null }));
}

describe('BN inventory of the ONNX node tests', () => {
  it('lists the BatchNormalization-15 node with its channels, ε and ONNX momentum', async () => {
    const model = await summarize('opset15/test_batchnorm_epsilon/model.onnx');
    expect(model.format).toBe('onnx');
    expect(model.opset).toBe(15);
    expect(model.layers).toHaveLength(1);
    const [bn] = model.layers;
    expect(bn.kind).toBe('BatchNorm');
    expect(bn.channels).toBe(3);
    expect(bn.epsilon).toBeCloseTo(0.01, 7);
    expect(bn.momentum).toBeCloseTo(0.9, 7);
    expect(bn.momentumConvention).toBe('keras');
    expect(bn.momentumPytorch).toBeCloseTo(0.1, 7);
    expect(bn.training).toBe(false);
  });

  it('says when a BN-15 node runs in training mode', async () => {
    const model = await summarize('opset15/test_batchnorm_example_training_mode/model.onnx');
    expect(model.layers[0].training).toBe(true);
    expect(model.layers[0].epsilon).toBeCloseTo(1e-5, 10);
  });

  it('reads the BatchNormalization-7 era files too', async () => {
    const model = await summarize('opset8-bn7/test_batchnorm_example/model.onnx');
    expect(model.opset).toBe(8);
    expect(model.layers.map((l) => [l.kind, l.channels, l.training])).toEqual([['BatchNorm', 2, false]]);
  });
});

describe('momentum conventions', () => {
  it('turns Keras/ONNX momentum into PyTorch momentum and leaves PyTorch momentum alone', () => {
    expect(toPytorchMomentum(0.99, 'keras')).toBeCloseTo(0.01, 12);
    expect(toPytorchMomentum(0.1, 'pytorch')).toBe(0.1);
    expect(toPytorchMomentum(null, 'pytorch')).toBeNull();
    expect(toPytorchMomentum(0.9, null)).toBeNull();
  });
});

describe('effective affine map at inference', () => {
  it('is γ/√(var+ε) and β − γ·mean/√(var+ε), per channel', () => {
    const r = effectiveAffine({
      gamma: Float32Array.of(2, 0.5),
      beta: Float32Array.of(1, -1),
      runningMean: Float32Array.of(3, 0),
      runningVar: Float32Array.of(4 - 1e-3, 1 - 1e-3),
      epsilon: 1e-3,
    });
    expect(Array.from(r!.scale)).toEqual([1, 0.5]);
    expect(Array.from(r!.shift)).toEqual([1 - 3, -1]);
  });

  it('takes absent γ as 1 and absent β as 0, and needs running statistics', () => {
    const r = effectiveAffine({ gamma: null, beta: null, runningMean: Float32Array.of(1), runningVar: Float32Array.of(3), epsilon: 1 });
    expect(Array.from(r!.scale)).toEqual([0.5]);
    expect(Array.from(r!.shift)).toEqual([-0.5]);
    expect(effectiveAffine({ gamma: null, beta: null, runningMean: null, runningVar: Float32Array.of(1), epsilon: 1e-5 })).toBeNull();
  });
});

describe('whether the engine can run a file', () => {
  it('says an ONNX graph of supported ops runs, and names what stops the others', async () => {
    expect((await summarize('opset15/test_batchnorm_epsilon/model.onnx')).notRunnable).toBeNull();
    const { importProblem } = await import('../../../src/analysis/import');
    const base = await readModel({ name: 'x.onnx', bytes: readFileSync(frameworkFixture('onnx-node-tests/opset15/test_batchnorm_epsilon/model.onnx')), readSibling: async () => null });
    const withLoop = { ...base, graph: { ...base.graph!, nodes: [...base.graph!.nodes, { name: 'l', opType: 'Loop', inputs: [], outputs: [], attributes: {} }] } };
    expect(importProblem(withLoop)).toBe("the engine has no 'Loop' operator");
    expect(importProblem({ ...base, format: 'safetensors', variant: 'safetensors', graph: null })).toBe('a safetensors file (safetensors) holds no graph the engine can run yet');
  });
});
