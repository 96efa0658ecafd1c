// Normalization wherever the exporter put it, on real torch.onnx exports of the corpus: the same
// model exported at two opsets must show the same layers with the same parameters.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decomposedLayerNorms, foldedBatchNorms, recognizedNormLayers } from '../../../src/analysis/exportedNorms';
import { summarizeModel } from '../../../src/analysis/inventory';
import { fileSource } from '../../../src/cli/nodeSource';
import type { NormLayer } from '../../../src/formats/model';
import { readModel } from '../../../src/formats/read';
import { REPO_ROOT } from '../sharedFixtures';

const load = async (file: string) => readModel(await fileSource(path.join(REPO_ROOT, 'test/fixtures/onnx-real', file)));
const values = (l: NormLayer, field: 'gamma' | 'beta') => Array.from(l[field]?.values() ?? []);

describe('LayerNorm decomposed below opset 17', () => {
  it.each([['vit', 'vit.ts14.onnx', 'vit.ts17.onnx', 5], ['convnext', 'convnext.ts13.onnx', 'convnext.ts17.onnx', 7]] as const)(
    '%s: each decomposed LayerNorm matches the LayerNormalization node of the opset-17 export', async (_, old, modern, count) => {
      const [a, b] = await Promise.all([load(old), load(modern)]);
      expect(a.normLayers).toHaveLength(0);
      const found = decomposedLayerNorms(a).map((d) => d.layer);
      expect(found).toHaveLength(count);
      expect(b.normLayers).toHaveLength(count);
      for (const ln of found) {
        // torch names the LayerNormalization node '<scope>/LayerNormalization'; the decomposition's nodes share '<scope>'.
        const twin = b.normLayers.find((l) => l.name === `${ln.name}/LayerNormalization`);
        expect(twin, ln.name).toBeDefined();
        expect(ln.kind).toBe('LayerNorm');
        expect(ln.op).toMatch(/^LayerNorm as ReduceMean\/Sub\/Pow\/Sqrt\/Div\/Mul\/Add \(opset 1[34]\)$/);
        expect(ln.epsilon).toBeCloseTo(twin!.epsilon as number, 12);
        expect(ln.channels).toBe(twin!.channels);
        expect(values(ln, 'gamma')).toEqual(values(twin!, 'gamma'));
        expect(values(ln, 'beta')).toEqual(values(twin!, 'beta'));
      }
    });

  it('lists them in graph order in the inventory', async () => {
    const summary = summarizeModel(await load('vit.ts14.onnx'));
    expect(summary.layers.map((l) => l.name)).toEqual([
      '/encoder/layers/encoder_layer_0/ln_1', '/encoder/layers/encoder_layer_0/ln_2',
      '/encoder/layers/encoder_layer_1/ln_1', '/encoder/layers/encoder_layer_1/ln_2', '/encoder/ln',
    ]);
    expect(summary.layers[0].epsilon).toBeCloseTo(1e-6, 12);
  });
});

describe('GroupNorm exported as Reshape → InstanceNormalization → Reshape → Mul → Add', () => {
  it.each(['unet.ts9.onnx', 'unet.ts11.onnx', 'unet.ts13.onnx', 'unet.ts17.onnx', 'unet.dynamo.onnx'])('%s: the GroupNorm is one, the real InstanceNorm stays one', async (file) => {
    const model = await load(file);
    const layers = recognizedNormLayers(model);
    const groupNorms = layers.filter((l) => l.kind === 'GroupNorm');
    expect(groupNorms).toHaveLength(1);
    const [gn] = groupNorms;
    expect(gn.groups).toBe(4);
    expect(gn.channels).toBe(16);
    expect(gn.gamma?.values()).toHaveLength(16);
    expect(gn.beta?.values()).toHaveLength(16);
    expect(gn.op).toMatch(/^GroupNorm as Reshape\/InstanceNormalization\/Reshape\/Mul\/Add/);
    expect(gn.after).toBe('Conv');
    const instanceNorms = layers.filter((l) => l.kind === 'InstanceNorm');
    expect(instanceNorms.map((l) => l.channels)).toEqual([16]);
  });

  it('the GroupNorms of the opset-13 and opset-17 exports have the same γ and β', async () => {
    const [a, b] = await Promise.all([load('unet.ts13.onnx'), load('unet.ts17.onnx')]);
    const [ga, gb] = [a, b].map((m) => recognizedNormLayers(m).find((l) => l.kind === 'GroupNorm') as NormLayer);
    expect(values(ga, 'gamma')).toEqual(values(gb, 'gamma'));
    expect(values(ga, 'beta')).toEqual(values(gb, 'beta'));
  });
});

describe('BatchNorm folded away at export', () => {
  it.each([['mobilenet_v2', 52], ['resnet18', 20], ['unet', 3], ['efficientnet_b0', 31]] as const)(
    '%s: the torch 2.x export names every Conv a BatchNorm went into, as many as the BN-kept export has BNs', async (name, count) => {
      const kept = await load(`${name}.${name === 'efficientnet_b0' ? 'ts13' : 'ts17'}.onnx`);
      expect(kept.normLayers.filter((l) => l.kind === 'BatchNorm')).toHaveLength(count);
      const model = await load(`${name}.dynamo.onnx`);
      const folded = foldedBatchNorms(model);
      expect(folded).toHaveLength(count);
      expect(folded[0].evidence).toMatch(/_bias' was made by the exporter's Conv\+BatchNormalization fusion/);
      const note = summarizeModel(model).notes.find((n) => n.startsWith('BatchNorm was folded away at export'));
      expect(note).toContain(`into ${count} Conv node(s): '${folded[0].conv}' (${folded[0].weight})`);
    });

  it('the TorchScript exporter in eval mode: the fused Convs are the ones whose weights lost their names', async () => {
    const model = await load('convbn.eval-folded.onnx');
    expect(foldedBatchNorms(model).map((f) => f.conv)).toEqual(['/0/Conv', '/3/Conv']);
  });

  it('a BN-kept export has no folded Conv and no such note', async () => {
    const model = await load('resnet18.ts17.onnx');
    expect(foldedBatchNorms(model)).toEqual([]);
    expect(summarizeModel(model).notes.some((n) => n.includes('folded away'))).toBe(false);
  });
});
