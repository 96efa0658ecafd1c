import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { foldBatchNorm } from '../../../src/analysis/fold';
import { importOnnx } from '../../../src/analysis/import/onnx';
import { Tensor } from '../../../src/engine/tensor';
import { REPO_ROOT, frameworkFixture } from '../fixtures';

describe('folding BatchNorm into the convolution before it', () => {
  it('folds all three BN layers of the sample CNN and keeps its eval-mode output', async () => {
    const file = path.join(REPO_ROOT, 'samples/cnn-bn.onnx');
    const description = await readModel({ name: 'cnn-bn.onnx', bytes: readFileSync(file), readSibling: async () => null });
    const result = foldBatchNorm(description);
    expect(result.folded).toEqual([
      { bn: 'block1.bn', into: 'block1.conv' },
      { bn: 'block2.bn', into: 'block2.conv' },
      { bn: 'block3.bn', into: 'block3.conv' },
    ]);
    expect(result.skipped).toEqual([]);
    expect(result.description.graph!.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);

    const x = Tensor.zeros([2, 3, 32, 32]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.013) + 0.3 * Math.cos(i * 0.7);
    const original = importOnnx(description).model.eval().forward(x);
    const foldedOut = importOnnx(result.description).model.eval().forward(x);
    let maxDiff = 0;
    for (let i = 0; i < original.size; i++) maxDiff = Math.max(maxDiff, Math.abs(original.data[i] - foldedOut.data[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(maxDiff).toBeGreaterThan(0); // float32 rounding differs; an exact 0 would mean nothing was folded
  });

  it('explains why a BN without a Conv or Gemm before it is not folded', async () => {
    const file = frameworkFixture('onnx-node-tests/opset15/test_batchnorm_example/model.onnx');
    const description = await readModel({ name: 'model.onnx', bytes: readFileSync(file), readSibling: async () => null });
    const result = foldBatchNorm(description);
    expect(result.folded).toEqual([]);
    expect(result.skipped).toEqual([{ bn: 'BatchNormalization_0', reason: 'it follows a graph input, not a Conv or Gemm' }]);
  });
});
