import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { replaceInitializers } from '../../../src/formats/onnx/writer';
import { recalibrate, splitBatches, varianceConventionOf } from '../../../src/analysis/recalibrate';
import { Tensor } from '../../../src/engine/tensor';
import { createRng } from '../../../src/engine/rng';
import { REPO_ROOT, frameworkFixture } from '../fixtures';

const file = path.join(REPO_ROOT, 'samples/cnn-bn.onnx');
const bytes = readFileSync(file);
const load = (b: Uint8Array = bytes) => readModel({ name: 'cnn-bn.onnx', bytes: b, readSibling: async () => null });

function data(n: number, shift: number): Tensor {
  const rng = createRng(5);
  const t = Tensor.zeros([n, 3, 32, 32]);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal() + shift;
  return t;
}

describe('recalibration', () => {
  it('averages each batch\'s statistics with equal weight (a cumulative average)', async () => {
    const description = await load();
    const batches = splitBatches(data(12, 2), 4);
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 4]);
    const result = recalibrate(description, batches, 'biased');
    expect(result).toMatchObject({ batches: 3, samples: 12, variance: 'biased' });
    const first = result.layers[0];
    expect(first.name).toBe('block1.bn');
    expect([first.meanTensor, first.varianceTensor]).toEqual(['block1.bn.running_mean', 'block1.bn.running_var']);
    // block1's input is a conv of the data; recalibration must move its statistics away from the file's.
    expect(first.after.mean).not.toEqual(first.before.mean);
    // One batch repeated three times gives exactly that batch's statistics.
    const once = recalibrate(description, [batches[0]], 'biased').layers[2].after;
    const thrice = recalibrate(description, [batches[0], batches[0], batches[0]], 'biased').layers[2].after;
    for (let c = 0; c < once.mean.length; c++) {
      expect(thrice.mean[c]).toBeCloseTo(once.mean[c], 5);
      expect(thrice.variance[c]).toBeCloseTo(once.variance[c], 5);
    }
  });

  it('uses the unbiased variance for PyTorch files and scales it by m/(m − 1)', async () => {
    const description = await load();
    expect(varianceConventionOf(description)).toBe('biased');
    expect(varianceConventionOf({ ...description, producer: 'pytorch' })).toBe('unbiased');
    const batch = splitBatches(data(4, 0), 4);
    const biased = recalibrate(description, batch, 'biased').layers[2].after.variance;
    const unbiased = recalibrate(description, batch, 'unbiased').layers[2].after.variance;
    const m = 4 * 8 * 8; // block3's input is [4, 64, 8, 8]: 256 values per channel
    expect(unbiased[0] / biased[0]).toBeCloseTo(m / (m - 1), 5);
  });

  it('writes a copy of the ONNX file whose running statistics are the recalibrated ones', async () => {
    const description = await load();
    const result = recalibrate(description, splitBatches(data(8, 1), 4));
    const replacements = new Map<string, Float32Array>();
    for (const l of result.layers) {
      replacements.set(l.meanTensor!, l.after.mean);
      replacements.set(l.varianceTensor!, l.after.variance);
    }
    const written = await load(replaceInitializers('cnn-bn.onnx', bytes, replacements));
    const bn3 = written.normLayers[2];
    expect(Array.from(bn3.runningMean!.values())).toEqual(Array.from(result.layers[2].after.mean));
    expect(Array.from(bn3.runningVar!.values())).toEqual(Array.from(result.layers[2].after.variance));
    expect(Array.from(bn3.gamma!.values())).toEqual(Array.from(description.normLayers[2].gamma!.values()));
  });

  it('refuses what it cannot do, saying why', async () => {
    const description = await load();
    expect(() => recalibrate(description, [])).toThrow(/cnn-bn\.onnx: recalibration needs at least one batch/);
    expect(() => replaceInitializers('x.onnx', bytes, new Map([['nope', new Float32Array(1)]]))).toThrow(/'nope' is not an initializer/);
    const nodeTest = readFileSync(frameworkFixture('onnx-node-tests/opset15/test_batchnorm_example/model.onnx'));
    expect(() => replaceInitializers('m.onnx', nodeTest, new Map([['mean', new Float32Array(3)]]))).toThrow(/'mean' is not an initializer \(it is fed as an input/);
  });
});
