import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { readModel } from '../../../src/formats/read';
import { readTensorProto } from '../../../src/formats/onnx/tensor';
import { importOnnx } from '../../../src/analysis/import/onnx';
import { ImportError } from '../../../src/analysis/import/common';
import { BatchNorm } from '../../../src/engine/norm';
import { Tensor } from '../../../src/engine/tensor';
import { REPO_ROOT, frameworkFixture } from '../fixtures';

async function load(file: string) {
  return readModel({ name: file, bytes: readFileSync(file), readSibling: async () => null });
}

function pbInfo(file: string) {
  return readTensorProto(file, new Uint8Array(readFileSync(file)));
}

function pb(file: string): Tensor {
  const t = pbInfo(file);
  return Tensor.fromArray(t.values(), t.shape);
}

/** The ONNX backend runner's comparison: |actual − expected| ≤ atol + rtol·|expected|. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-3, atol = 1e-7): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`element ${i}: ${actual[i]} differs from ${expected[i]} by more than ${tol}`);
    }
  }
}

const nodeTestRoot = frameworkFixture('onnx-node-tests');
const cases = readdirSync(nodeTestRoot, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((opset) => readdirSync(path.join(nodeTestRoot, opset.name)).map((c) => `${opset.name}/${c}`));

describe('the ONNX BatchNormalization node tests run through the engine', () => {
  it('finds all of them', () => {
    expect(cases.length).toBe(8);
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(nodeTestRoot, name);
    const data = path.join(dir, 'test_data_set_0');
    const description = await load(path.join(dir, 'model.onnx'));
    // These graphs take γ, β, mean and variance as inputs 1–4; they are fed as the test's input_1..4.
    const inputs = description.graph!.inputs!.map((v) => v.name);
    const weights = new Map(inputs.slice(1).map((n, k) => [n, pbInfo(path.join(data, `input_${k + 1}.pb`))]));
    const { model, normNodes } = importOnnx(description, { weights });
    const training = existsSync(path.join(data, 'output_1.pb'));
    if (training) model.train();
    else model.eval();
    const y = model.forward({ [model.inputNames[0]]: pb(path.join(data, 'input_0.pb')) });
    expectClose(y.data, pb(path.join(data, 'output_0.pb')).data);
    if (training) {
      const bn = model.layer(normNodes[0]) as BatchNorm;
      expectClose(bn.runningMean!.data, pb(path.join(data, 'output_1.pb')).data);
      expectClose(bn.runningVariance!.data, pb(path.join(data, 'output_2.pb')).data);
    }
  });
});

describe('a Conv-BN-ReLU network matches onnxruntime', () => {
  it('gives ORT\'s logits for samples/cnn-bn.onnx in eval mode', async () => {
    const file = path.join(REPO_ROOT, 'samples/cnn-bn.onnx');
    const { model } = importOnnx(await load(file));
    model.eval();
    const x = Tensor.zeros([2, 3, 32, 32]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37) * 2;
    const ours = model.forward(x);
    const session = await ort.InferenceSession.create(file);
    const theirs = await session.run({ image: new ort.Tensor('float32', x.data as Float32Array, [2, 3, 32, 32]) });
    expect(ours.shape).toEqual([2, 10]);
    expectClose(ours.data, theirs.logits.data as Float32Array, 1e-4, 1e-5);
  });
});

describe('import errors', () => {
  it('names an operator the engine lacks, with the node', async () => {
    const description = await load(path.join(REPO_ROOT, 'samples/cnn-bn.onnx'));
    const nodes = description.graph!.nodes.map((n) => (n.opType === 'GlobalAveragePool' ? { ...n, opType: 'LpPool' } : n));
    const broken = { ...description, graph: { ...description.graph!, nodes } };
    expect(() => importOnnx(broken)).toThrow(ImportError);
    expect(() => importOnnx(broken)).toThrow(/samples\/cnn-bn\.onnx: the engine has no 'LpPool' operator .* \(node 'pool' \(LpPool, graph\.node\[9\]\)\)/);
  });
});
