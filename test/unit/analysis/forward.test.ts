import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { forwardPass } from '../../../src/analysis/forward';
import { Tensor } from '../../../src/engine/tensor';
import { REPO_ROOT } from '../fixtures';

async function sample() {
  const file = path.join(REPO_ROOT, 'samples/cnn-bn.onnx');
  return readModel({ name: 'samples/cnn-bn.onnx', bytes: readFileSync(file), readSibling: async () => null });
}

function batch(): Tensor {
  const x = Tensor.zeros([4, 3, 32, 32]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.cos(i * 0.11) * 1.5;
  return x;
}

describe('forwardPass', () => {
  it('keeps every normalization layer\'s input and output', async () => {
    const result = forwardPass(await sample(), new Map([['whatever', batch()]]), 'eval');
    expect(result.outputName).toBe('logits');
    expect(result.output.shape).toEqual([4, 10]);
    expect(result.layers.map((l) => l.name)).toEqual(['block1.bn', 'block2.bn', 'block3.bn']);
    expect(result.layers[1].input.shape).toEqual([4, 32, 16, 16]);
    expect(result.layers[1].inputStats.channelMean).toHaveLength(32);
  });

  it('normalizes each channel to mean β and std |γ| in train mode', async () => {
    const description = await sample();
    const result = forwardPass(description, new Map([['image', batch()]]), 'train');
    const bn = description.normLayers[0];
    const gamma = bn.gamma!.values();
    const beta = bn.beta!.values();
    const out = result.layers[0].outputStats;
    for (let c = 0; c < 16; c++) {
      expect(out.channelMean[c]).toBeCloseTo(beta[c], 4);
      // Batch variance is biased, and ε = 1e-5 shrinks it a little: γ²·σ²/(σ²+ε).
      const sigma2 = result.layers[0].inputStats.channelVar[c];
      expect(out.channelVar[c]).toBeCloseTo((gamma[c] ** 2 * sigma2) / (sigma2 + 1e-5), 4);
    }
  });

  it('names the inputs a model needs when they are not given', async () => {
    const description = await sample();
    expect(() => forwardPass(description, new Map([['a', batch()], ['b', batch()]]), 'eval')).toThrow(/samples\/cnn-bn\.onnx: the model needs input\(s\) 'image'; given 'a', 'b'/);
  });
});
