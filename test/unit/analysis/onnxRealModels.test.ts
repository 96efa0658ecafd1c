// Every model of the real-export corpus (test/fixtures/onnx-real: torchvision architectures exported by
// torch.onnx at opsets 9/11/13/14/17 and by the default dynamo exporter with external data) goes through
// the engine's forward pass as in `bnlens forward`, and matches ONNX Runtime's output and every
// normalization node's input and output within 1e-4 of each tensor's scale (its largest magnitude).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forwardPass } from '../../../src/analysis/forward';
import { fileSource } from '../../../src/cli/nodeSource';
import { Tensor } from '../../../src/engine/tensor';
import { readNpz, type NpyArray } from '../../../src/formats/npy';
import { readModel } from '../../../src/formats/read';
import { REPO_ROOT } from '../fixtures';

const DIR = path.join(REPO_ROOT, 'test/fixtures/onnx-real');

interface Export { kind: string; file: string; output: string; norms: { node: string; key: string }[] }
interface Entry { model: string; reference: string; exports: Export[] }
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { models: Entry[] };

/** max |actual − expected| ≤ 1e-4 · max |expected|, with the worst element named. */
function expectMatch(what: string, actual: Tensor, expected: NpyArray): number {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  let scale = 0;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (!(d <= worst)) { worst = d; at = i; }
  }
  if (!(worst <= 1e-4 * scale)) {
    throw new Error(`${what}: element ${at} is ${actual.data[at]}, ONNX Runtime gives ${expected.data[at]} (difference ${worst}, allowed ${1e-4 * scale})`);
  }
  return worst / (scale || 1);
}

const cases = manifest.models.flatMap((m) => m.exports.map((e) => ({ name: e.file, entry: m, exp: e })));

describe('the forward pass of real torchvision exports matches ONNX Runtime', () => {
  it('the corpus has every family and export kind', () => {
    expect(manifest.models.map((m) => m.model)).toEqual([
      'mobilenet_v2', 'mobilenet_v3_small', 'efficientnet_b0', 'densenet121', 'shufflenet_v2', 'squeezenet1_1', 'googlenet',
      'mnasnet', 'regnet', 'convnext', 'resnet18', 'vgg11_bn', 'unet', 'vit',
    ]);
    expect(new Set(cases.map((c) => c.exp.kind))).toEqual(new Set(['ts9', 'ts11', 'ts13', 'ts14', 'ts17', 'dynamo']));
  });

  it.each(cases)('$name', async ({ entry, exp }) => {
    const reference = readNpz(entry.reference, new Uint8Array(readFileSync(path.join(DIR, entry.reference))));
    const description = await readModel(await fileSource(path.join(DIR, exp.file)));
    const input = reference.get('input') as NpyArray;
    const result = forwardPass(description, new Map([['input', Tensor.fromArray(input.data, input.shape)]]), 'eval');
    expectMatch(`${exp.file} output`, result.output, reference.get(exp.output) as NpyArray);
    const ran = new Map(result.layers.map((l) => [l.name, l]));
    // A LayerNorm decomposed below opset 17 runs as one LayerNorm named after its scope; ONNX Runtime's
    // values for it are those of its twin '<scope>/LayerNormalization' in the opset-17 export.
    const twins = entry.exports.flatMap((e) => e.norms).filter((n) => n.node.endsWith('/LayerNormalization'));
    const fused = [...ran.keys()].filter((name) => !exp.norms.some((n) => n.node === name)).map((name) => {
      const twin = twins.find((t) => t.node === `${name}/LayerNormalization`);
      if (!twin) throw new Error(`${exp.file}: '${name}' ran as a normalization layer, but ONNX Runtime has no such node`);
      return { node: name, key: twin.key };
    });
    expect(fused.length === 0 || exp.kind === 'ts13' || exp.kind === 'ts14').toBe(true);
    expect([...ran.keys()].sort()).toEqual([...exp.norms, ...fused].map((n) => n.node).sort());
    for (const { node, key } of [...exp.norms, ...fused]) {
      const layer = ran.get(node);
      if (!layer) throw new Error(`${exp.file}: normalization node '${node}' did not run`);
      expectMatch(`${exp.file} ${node} input`, layer.input, reference.get(`${key}.in`) as NpyArray);
      expectMatch(`${exp.file} ${node} output`, layer.output, reference.get(`${key}.out`) as NpyArray);
    }
  });

  // Train mode (the probe's other half): each BatchNorm normalizes with its batch's statistics, so
  // every channel of its output has mean β and biased variance γ²·σ²/(σ²+ε) over batch and space.
  it.each(cases.filter((c) => c.exp.kind === 'ts17' && c.exp.norms.some((n) => n.node.endsWith('/BatchNormalization'))))('$name in train mode', async ({ entry, exp }) => {
    const reference = readNpz(entry.reference, new Uint8Array(readFileSync(path.join(DIR, entry.reference))));
    const description = await readModel(await fileSource(path.join(DIR, exp.file)));
    const input = reference.get('input') as NpyArray;
    const result = forwardPass(description, new Map([['input', Tensor.fromArray(input.data, input.shape)]]), 'train');
    const bns = description.normLayers.filter((l) => l.kind === 'BatchNorm');
    expect(bns.length).toBeGreaterThan(0);
    for (const bn of bns) {
      const { input: x, output: y } = result.layers.find((l) => l.name === bn.name)!;
      const [n, c] = y.shape;
      const inner = y.size / (n * c);
      const [gamma, beta] = [bn.gamma!.values(), bn.beta!.values()];
      for (let ch = 0; ch < c; ch++) {
        let sx = 0, sxx = 0, sy = 0, syy = 0;
        for (let b = 0; b < n; b++) {
          for (let i = 0; i < inner; i++) {
            const k = (b * c + ch) * inner + i;
            sx += x.data[k]; sxx += x.data[k] * x.data[k]; sy += y.data[k]; syy += y.data[k] * y.data[k];
          }
        }
        const count = n * inner;
        const varX = sxx / count - (sx / count) ** 2;
        const wantVar = (gamma[ch] ** 2 * varX) / (varX + (bn.epsilon as number));
        expect(Math.abs(sy / count - beta[ch]), `${bn.name} channel ${ch} mean`).toBeLessThan(1e-4 * (1 + Math.abs(beta[ch])));
        expect(Math.abs(syy / count - (sy / count) ** 2 - wantVar), `${bn.name} channel ${ch} variance`).toBeLessThan(1e-3 * (1 + wantVar));
      }
    }
  });
});
