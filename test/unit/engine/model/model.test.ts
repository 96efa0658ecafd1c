import { describe, expect, it } from 'vitest';
import type { Layer, Parameter } from '../../../../src/engine/layer';
import { Add, Concat, Dense, Dropout, ReLU, Tanh } from '../../../../src/engine/layers';
import { Model, type ModelNode } from '../../../../src/engine/model';
import { createRng } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';
import { checkGradients, randomTensor } from '../gradcheck';

/** The whole model as one layer for the gradient checker (inputs in inputNames order). */
function asLayer(model: Model): Layer {
  return {
    name: 'model',
    kind: 'Model',
    forward: (inputs, ctx) => {
      model.training = ctx.training;
      model.rng = ctx.rng;
      return model.forward(Object.fromEntries(model.inputNames.map((n, i) => [n, inputs[i]])));
    },
    backward: (g) => {
      const grads = model.backward(g);
      return model.inputNames.map((n) => grads[n]);
    },
    parameters: (): Parameter[] => model.parameters().map((p) => p.parameter),
    buffers: () => model.buffers(),
  };
}

/** x → dense1 → relu → dense2 → add(·, x) → concat(·, tanh(x)) → head; x fans out three ways. */
function residualModel(): Model {
  const rng = createRng(11);
  const f64 = 'float64' as const;
  const nodes: ModelNode[] = [
    // Listed out of order on purpose: execution order comes from the edges.
    { name: 'head', layer: new Dense({ inFeatures: 8, outFeatures: 2, dtype: f64, name: 'head' }, rng), inputs: ['cat'] },
    { name: 'dense1', layer: new Dense({ inFeatures: 4, outFeatures: 6, dtype: f64 }, rng), inputs: ['x'] },
    { name: 'relu', layer: new ReLU(), inputs: ['dense1'] },
    { name: 'dense2', layer: new Dense({ inFeatures: 6, outFeatures: 4, dtype: f64 }, rng), inputs: ['relu'] },
    { name: 'residual', layer: new Add(), inputs: ['dense2', 'x'] },
    { name: 'side', layer: new Tanh(), inputs: ['x'] },
    { name: 'cat', layer: new Concat({ axis: 1 }), inputs: ['residual', 'side'] },
  ];
  return new Model({ inputs: ['x'], nodes, output: 'head' });
}

describe('Model (DAG)', () => {
  it('runs in topological order and names parameters "<node>.<param>"', () => {
    const model = residualModel();
    expect(model.nodes.map((n) => n.name)).toEqual(['dense1', 'relu', 'dense2', 'residual', 'side', 'cat', 'head']);
    expect(model.parameters().map((p) => p.name)).toEqual([
      'dense1.weight', 'dense1.bias', 'dense2.weight', 'dense2.bias', 'head.weight', 'head.bias',
    ]);
  });

  it('backpropagates through a residual and a concat, summing the gradients at fan-out', () => {
    const report = checkGradients(asLayer(residualModel()), [randomTensor([3, 4], 12)], { params: true });
    expect(report.ok, report.describe()).toBe(true);
  });

  it('backward of the model equals the sum over the branches fed by a shared input', () => {
    const model = residualModel();
    const x = randomTensor([2, 4], 13);
    model.forward(x);
    const g = model.backward(Tensor.filled([2, 2], 1, 'float64')).x;
    expect(g.shape).toEqual([2, 4]);
    expect(g.data.some((v) => v !== 0)).toBe(true);
  });

  it('calls the observer once per layer, in execution order, with inputs and output', () => {
    const model = residualModel();
    const calls: { name: string; kind: string; inputShapes: number[][]; outputShape: readonly number[] }[] = [];
    model.observer = (name, layer, inputs, output) =>
      calls.push({ name, kind: layer.kind, inputShapes: inputs.map((t) => [...t.shape]), outputShape: output.shape });
    const y = model.forward(randomTensor([5, 4], 14));
    expect(calls.map((c) => c.name)).toEqual(model.nodes.map((n) => n.name));
    expect(calls[3]).toEqual({ name: 'residual', kind: 'Add', inputShapes: [[5, 4], [5, 4]], outputShape: [5, 4] });
    expect(calls[6].outputShape).toEqual(y.shape);
    model.observer = undefined;
    model.forward(randomTensor([5, 4], 14));
    expect(calls.length).toBe(7);
  });

  it('train() and eval() switch train-mode layers such as Dropout', () => {
    const model = Model.sequential([new Dropout({ p: 0.5 })], { rng: createRng(1) });
    const x = Tensor.filled([1, 100], 1);
    expect(model.forward(x).data.some((v) => v === 0)).toBe(true);
    expect(model.eval().forward(x).data.every((v) => v === 1)).toBe(true);
    expect(model.train().training).toBe(true);
  });

  it('sequential names repeated layers Keras-style and zeroGrad clears every gradient', () => {
    const rng = createRng(2);
    const model = Model.sequential([new Dense({ inFeatures: 2, outFeatures: 3 }, rng), new ReLU(), new Dense({ inFeatures: 3, outFeatures: 1 }, rng)]);
    expect(model.nodes.map((n) => n.name)).toEqual(['dense', 'relu', 'dense_1']);
    model.forward(Tensor.filled([4, 2], 1));
    model.backward(Tensor.filled([4, 1], 1));
    expect(model.parameters().some((p) => p.parameter.grad.data.some((v) => v !== 0))).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.parameter.grad.data.every((v) => v === 0))).toBe(true);
  });

  it('qualifies buffer names by node', () => {
    const withBuffer: Layer = {
      name: 'stat', kind: 'Stat',
      forward: ([x]) => x, backward: (g) => [g], parameters: () => [],
      buffers: () => ({ running_mean: Tensor.zeros([2]) }),
    };
    expect(Object.keys(Model.sequential([withBuffer]).buffers())).toEqual(['stat.running_mean']);
  });

  it('takes several named inputs and returns zero gradients for inputs that do not reach the output', () => {
    const model = new Model({ inputs: ['a', 'b', 'unused'], nodes: [{ name: 'sum', layer: new Add(), inputs: ['a', 'b'] }] });
    const a = Tensor.filled([2], 1);
    const y = model.forward({ a, b: Tensor.filled([2], 2), unused: Tensor.zeros([3]) });
    expect(Array.from(y.data)).toEqual([3, 3]);
    const grads = model.backward(Tensor.filled([2], 1));
    expect(Array.from(grads.a.data)).toEqual([1, 1]);
    expect(Array.from(grads.unused.data)).toEqual([0, 0, 0]);
    expect(() => model.forward(a)).toThrow(/inputs/);
  });

  it('rejects cycles, unknown inputs, duplicate names and a layer used twice', () => {
    const relu = (): ReLU => new ReLU();
    expect(() => new Model({ nodes: [{ name: 'a', layer: relu(), inputs: ['b'] }, { name: 'b', layer: relu(), inputs: ['a'] }] })).toThrow(/cycle/);
    expect(() => new Model({ nodes: [{ name: 'a', layer: relu(), inputs: ['nope'] }] })).toThrow(/unknown/);
    expect(() => new Model({ nodes: [{ name: 'a', layer: relu(), inputs: ['input'] }, { name: 'a', layer: relu(), inputs: ['input'] }] })).toThrow(/Duplicate/);
    const shared = relu();
    expect(() => new Model({ nodes: [{ name: 'a', layer: shared, inputs: ['input'] }, { name: 'b', layer: shared, inputs: ['a'] }] })).toThrow(/another node/);
    expect(() => Model.sequential([relu()]).backward(Tensor.zeros([1]))).toThrow(/needs a forward\(\) first/);
  });
});
