import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { readTensorProto } from '../../../src/formats/onnx/tensor';
import { OnnxError } from '../../../src/formats/errors';
import type { ModelDescription, NormLayer } from '../../../src/formats/model';
import { OWN, FRAMEWORKS, f32, fuzz, memorySource, sourceOf, values } from './helpers';

const ONNX = join(OWN, 'onnx');
const NODE_TESTS = join(FRAMEWORKS, 'onnx-node-tests');
interface BnState { gamma: number[]; beta: number[]; mean: number[]; var: number[]; eps: number; momentum: number }
const expected = JSON.parse(readFileSync(join(ONNX, 'expected.json'), 'utf8')) as {
  torch: Record<string, { bn: BnState; bn1d: BnState }>;
  params: { gamma: number[]; beta: number[]; mean: number[]; var: number[] };
  node_tests: Record<string, { name: string; dims: number[]; values: number[] }[]>;
};

const read = (path: string): Promise<ModelDescription> => readModel(sourceOf(path));
const own = (name: string): Promise<ModelDescription> => read(join(ONNX, name));

function expectParams(layer: NormLayer, p: { gamma: number[]; beta: number[]; mean: number[]; var: number[] }): void {
  expect(values(layer.gamma)).toEqual(f32(p.gamma));
  expect(values(layer.beta)).toEqual(f32(p.beta));
  expect(values(layer.runningMean)).toEqual(f32(p.mean));
  expect(values(layer.runningVar)).toEqual(f32(p.var));
}

describe('ONNX node tests (BatchNormalization-7, -9, -15)', () => {
  const cases: [string, { opset: number; channels: number; epsilon: number; training: boolean }][] = [
    ['opset8-bn7/test_batchnorm_example', { opset: 8, channels: 2, epsilon: 1e-5, training: false }],
    ['opset8-bn7/test_batchnorm_epsilon', { opset: 8, channels: 3, epsilon: Math.fround(1e-2), training: false }],
    ['opset12-bn9/test_batchnorm_example', { opset: 12, channels: 2, epsilon: 1e-5, training: false }],
    ['opset12-bn9/test_batchnorm_epsilon', { opset: 12, channels: 3, epsilon: Math.fround(1e-2), training: false }],
    ['opset15/test_batchnorm_example', { opset: 15, channels: 3, epsilon: 1e-5, training: false }],
    ['opset15/test_batchnorm_epsilon', { opset: 15, channels: 3, epsilon: Math.fround(1e-2), training: false }],
    ['opset15/test_batchnorm_example_training_mode', { opset: 15, channels: 3, epsilon: 1e-5, training: true }],
    ['opset15/test_batchnorm_epsilon_training_mode', { opset: 15, channels: 3, epsilon: Math.fround(1e-2), training: true }],
  ];
  it.each(cases)('%s', async (folder, want) => {
    const model = await read(join(NODE_TESTS, folder, 'model.onnx'));
    expect(model.format).toBe('onnx');
    expect(model.opset).toBe(want.opset);
    expect(model.normLayers).toHaveLength(1);
    const bn = model.normLayers[0];
    expect(bn).toMatchObject({ kind: 'BatchNorm', channels: want.channels, epsilon: want.epsilon, momentumConvention: 'keras', training: want.training, after: null });
    expect(bn.momentum).toBe(0.9); // the default, not written in these files
    // The parameters are graph inputs here, fed at run time: there is nothing to show.
    expect(bn.gamma).toBeNull();
    expect(model.graph?.inputs?.map((v) => v.name)).toEqual(['x', 's', 'bias', 'mean', 'var']);
  });

  it.each(Object.keys(expected.node_tests))('decodes the serialized TensorProtos of %s', (folder) => {
    expected.node_tests[folder].forEach((want, k) => {
      const path = join(NODE_TESTS, folder, 'test_data_set_0', `input_${k}.pb`);
      const t = readTensorProto(path, new Uint8Array(readFileSync(path)));
      expect(t.name).toBe(want.name);
      expect(t.shape).toEqual(want.dims);
      expect([...t.values()]).toEqual(f32(want.values));
    });
  });
});

describe('torch.onnx.export (PyTorch 1.13, opset 15)', () => {
  it('eval mode folds Conv→BN into the Conv, with or without constant folding; BN after Gemm stays', async () => {
    for (const name of ['torch_eval_folded.onnx', 'torch_eval_unfolded.onnx']) {
      const model = await own(name);
      expect(model.normLayers.map((l) => l.name)).toEqual(['/bn1d/BatchNormalization']);
      const bn1d = model.normLayers[0];
      expect(bn1d).toMatchObject({ channels: 5, after: 'Gemm', before: null, training: false, epsilon: Math.fround(1e-5), momentum: Math.fround(0.9) });
      expect(values(bn1d.runningMean)).toEqual(f32(expected.torch[name].bn1d.mean));
      expect(values(bn1d.runningVar)).toEqual(f32(expected.torch[name].bn1d.var));
    }
  });

  it('a Conv→BN→ReLU exported in eval mode has no BN left, and a note says it was folded', async () => {
    const model = await own('torch_convbn_folded.onnx');
    expect(model.normLayers).toEqual([]);
    expect(model.notes).toEqual([expect.stringContaining('1 Conv node(s) with a bias: BatchNorm was probably folded')]);
  });

  it('preserve mode keeps both BNs in inference mode with PyTorch momentum 0.2 written as 0.8', async () => {
    const model = await own('torch_preserve.onnx');
    const [bn, bn1d] = model.normLayers;
    const want = expected.torch['torch_preserve.onnx'];
    expect(bn).toMatchObject({ name: '/bn/BatchNormalization', channels: 4, after: 'Conv', before: 'Relu', training: false, epsilon: Math.fround(1e-3), momentum: Math.fround(0.8), op: 'BatchNormalization (opset 15)' });
    expectParams(bn, want.bn);
    expect(bn1d).toMatchObject({ channels: 5, after: 'Gemm', training: false });
    expectParams(bn1d, want.bn1d);
    expect(model.notes).toEqual([]);
  });

  it('training mode sets training_mode=1 and notes it', async () => {
    const model = await own('torch_training.onnx');
    expect(model.normLayers.map((l) => l.training)).toEqual([true, true]);
    expectParams(model.normLayers[0], expected.torch['torch_training.onnx'].bn);
    expect(model.notes).toHaveLength(2);
    expect(model.notes[0]).toContain('training_mode=1');
  });
});

describe('hand-built graphs', () => {
  it('BN-6 with is_test=1 is inference, with IR 3 initializers also listed as inputs', async () => {
    const model = await own('bn6_is_test.onnx');
    const bn = model.normLayers[0];
    expect(bn).toMatchObject({ training: false, epsilon: Math.fround(1e-4), momentum: Math.fround(0.8), channels: 3, before: 'Relu' });
    expectParams(bn, expected.params);
    expect(model.graph?.inputs?.map((v) => v.name)).toEqual(['X']);
    expect(model.graph?.inputs?.[0]).toEqual({ name: 'X', dtype: 'float32', shape: [-1, 3, 4, 4] });
    expect(model.graph?.outputs?.map((v) => v.name)).toEqual(['Z']);
  });

  it('BN-6 without is_test is training mode (is_test defaults to 0)', async () => {
    expect((await own('bn6_default_training.onnx')).normLayers[0].training).toBe(true);
  });

  it('BN-7 with spatial=0 is noted', async () => {
    const model = await own('bn7_spatial0.onnx');
    expect(model.normLayers[0].training).toBe(false);
    expect(model.notes).toEqual(['bn: spatial=0, so the statistics are per activation, not per channel.']);
  });

  it('BN-9 with values in float_data instead of raw_data', async () => {
    expectParams((await own('bn9_typed_fields.onnx')).normLayers[0], expected.params);
  });

  it('BN-14 training_mode=1 with its running_mean/running_var outputs', async () => {
    const model = await own('bn14_training.onnx');
    expect(model.normLayers[0]).toMatchObject({ training: true, momentum: Math.fround(0.7) });
    expect(model.graph?.nodes[0].outputs).toEqual(['Y', 'running_mean', 'running_var']);
  });

  it('opset 21 uses BatchNormalization-15', async () => {
    const model = await own('bn_opset21.onnx');
    expect(model.opset).toBe(21);
    expect(model.normLayers[0]).toMatchObject({ epsilon: Math.fround(2e-5), training: false, op: 'BatchNormalization (opset 21)' });
  });

  it('parameters from Constant, ConstantOfShape and chained Identity nodes', async () => {
    const bn = (await own('bn_constant_params.onnx')).normLayers[0];
    expect(values(bn.gamma)).toEqual(f32(expected.params.gamma));
    expect(values(bn.beta)).toEqual([0, 0, 0]);
    expect(values(bn.runningMean)).toEqual(f32(expected.params.mean));
    expect(values(bn.runningVar)).toEqual(f32(expected.params.var));
    expect(bn.channels).toBe(3);
  });

  it('InstanceNormalization, LayerNormalization and GroupNormalization', async () => {
    const [inorm, ln, gn] = (await own('other_norms.onnx')).normLayers;
    expect(inorm).toMatchObject({ kind: 'InstanceNorm', channels: 3, epsilon: Math.fround(1e-3), momentum: null, runningMean: null, training: null });
    expect(values(inorm.gamma)).toEqual(f32(expected.params.gamma));
    expect(ln).toMatchObject({ kind: 'LayerNorm', channels: 4, axis: -1, epsilon: Math.fround(1e-6), after: 'Reshape', before: 'Reshape' });
    expect(values(ln.gamma)).toEqual([1, 2, 3, 4]);
    expect(gn).toMatchObject({ kind: 'GroupNorm', channels: 3, groups: 1 });
  });

  it('external data is read through the source', async () => {
    const bn = (await own('external.onnx')).normLayers[0];
    expectParams(bn, expected.params);
  });

  it('decodes values only when asked: tensors are views of the file', async () => {
    const path = join(ONNX, 'bn_opset21.onnx');
    const bytes = new Uint8Array(readFileSync(path));
    const model = await readModel(memorySource(path, bytes));
    const gamma = model.normLayers[0].gamma!;
    // Overwrite γ's first float in the file's bytes after reading; values() must see the change.
    const first = new Uint8Array(Float32Array.of(1.5).buffer);
    const at = bytes.findIndex((_, i) => first.every((b, k) => bytes[i + k] === b));
    bytes.set(new Uint8Array(Float32Array.of(42).buffer), at);
    expect(gamma.values()[0]).toBe(42);
  });
});

describe('damaged ONNX files', () => {
  const table: [string, string][] = [
    ['missing_external.onnx', "missing_external.onnx: tensor 'gamma' keeps its data in the external file 'missing.onnx.data', which is not next to missing_external.onnx (graph.initializer[0])"],
    ['external_outside.onnx', "external_outside.onnx: external data location '../../secret.data' is outside the model's folder (graph.initializer[0])"],
    ['raw_data_short.onnx', "raw_data_short.onnx: tensor 'gamma' of shape [3] needs 12 bytes of float32, raw_data has 8 (graph.initializer[0])"],
    ['truncated.onnx', 'truncated.onnx: field 7 claims 243 bytes at byte 22, but only 113 remain (the file is truncated or damaged) (ModelProto)'],
  ];
  it.each(table)('%s', async (name, message) => {
    const bytes = new Uint8Array(readFileSync(join(ONNX, 'bad', name)));
    const error = await readModel(memorySource(name, bytes)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxError);
    expect((error as Error).message).toBe(message);
  });

  it('a .onnx file that is not protobuf says what it starts with', async () => {
    const error = await readModel(memorySource('x.onnx', new TextEncoder().encode('hello'))).catch((e: unknown) => e);
    expect((error as Error).message).toBe('x.onnx: not an ONNX model: a ModelProto starts with the ir_version field (byte 0x08), this file starts with 68 65 6c 6c 6f (byte 0)');
  });

  it.each(['torch_preserve.onnx', 'bn_constant_params.onnx', 'bn9_typed_fields.onnx', 'other_norms.onnx'])('fuzzing %s gives only OnnxErrors', async (name) => {
    const bytes = new Uint8Array(readFileSync(join(ONNX, name)));
    const { ok, failed } = await fuzz((b) => readModel(memorySource(`fuzz/${name}`, b)), bytes, 7);
    expect(ok + failed).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(0);
  });
});
