// Single-operator ONNX models built in the test, run by ONNX Runtime (onnxruntime-node) and by the
// engine through the importer: the reference for every converter is ONNX Runtime itself, computed
// at test time from the same model bytes (no golden files to go stale).

import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { expect } from 'vitest';
import { importOnnx } from '../../../../src/analysis/import/onnx';
import { asInteger } from '../../../../src/engine/ops/dtype';
import { Tensor } from '../../../../src/engine/tensor';
import { readModel } from '../../../../src/formats/read';

export type Attr = number | string | number[] | { floats: number[] } | { float: number } | { tensor: Operand };

/** An operand: float32 by default; 'int64' for shapes, axes and indices. */
export interface Operand {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
  readonly type?: 'float32' | 'int64' | 'bool';
}

export interface OpCase {
  readonly op: string;
  readonly opset?: number;
  /** Graph inputs fed at run time, by position; null leaves an optional input out. */
  readonly inputs: readonly (Operand | null)[];
  /** Positions of `inputs` stored as initializers (constants) rather than fed at run time. Default: all but the first. */
  readonly constants?: readonly number[];
  readonly attributes?: Readonly<Record<string, Attr>>;
  /** Number of outputs (default 1). */
  readonly outputs?: number;
}

const ELEM: Record<string, number> = { float32: 1, int64: 7, bool: 9 };

function tensorProto(name: string, v: Operand): onnx.TensorProto {
  const type = v.type ?? 'float32';
  const base = { name, dims: [...v.shape], dataType: ELEM[type] };
  if (type === 'float32') return onnx.TensorProto.create({ ...base, floatData: Array.from(v.data) });
  if (type === 'bool') return onnx.TensorProto.create({ ...base, int32Data: Array.from(v.data, (x) => (x ? 1 : 0)) });
  return onnx.TensorProto.create({ ...base, int64Data: Array.from(v.data) });
}

function attribute(name: string, v: Attr): onnx.AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: T.INT, i: v });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
  if ('float' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  return onnx.AttributeProto.create({ name, type: T.TENSOR, t: tensorProto(name, v.tensor) });
}

function valueInfo(name: string, v: Operand | null, elemType = 1): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: v ? ELEM[v.type ?? 'float32'] : elemType, ...(v ? { shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } : {}) } },
  });
}

export function buildModel(c: OpCase): Uint8Array {
  const constants = new Set(c.constants ?? c.inputs.map((_, i) => i).filter((i) => i > 0));
  const names = c.inputs.map((v, i) => (v ? `in${i}` : ''));
  const outputs = Array.from({ length: c.outputs ?? 1 }, (_, k) => `out${k}`);
  const node = onnx.NodeProto.create({
    name: `the_${c.op}`, opType: c.op, input: names, output: outputs,
    attribute: Object.entries(c.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: c.opset ?? 17 }],
    graph: {
      name: 'case',
      node: [node],
      input: c.inputs.flatMap((v, i) => (v && !constants.has(i) ? [valueInfo(names[i], v)] : [])),
      initializer: c.inputs.flatMap((v, i) => (v && constants.has(i) ? [tensorProto(names[i], v)] : [])),
      output: outputs.map((o) => onnx.ValueInfoProto.create({ name: o })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function ortTensor(v: Operand): ort.Tensor {
  const type = v.type ?? 'float32';
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(Array.from(v.data, (x) => BigInt(x))), [...v.shape]);
  if (type === 'bool') return new ort.Tensor('bool', Uint8Array.from(v.data), [...v.shape]);
  return new ort.Tensor('float32', Float32Array.from(v.data), [...v.shape]);
}

export interface Outputs { readonly shape: readonly number[]; readonly data: Float64Array }

export async function runOrt(c: OpCase): Promise<Outputs[]> {
  const constants = new Set(c.constants ?? c.inputs.map((_, i) => i).filter((i) => i > 0));
  const session = await ort.InferenceSession.create(buildModel(c));
  const feeds: Record<string, ort.Tensor> = {};
  c.inputs.forEach((v, i) => { if (v && !constants.has(i)) feeds[`in${i}`] = ortTensor(v); });
  const result = await session.run(feeds);
  return Array.from({ length: c.outputs ?? 1 }, (_, k) => {
    const t = result[`out${k}`];
    const data = t.data as ArrayLike<number | bigint>;
    return { shape: [...t.dims], data: Float64Array.from(Array.from(data, Number)) };
  });
}

/** The engine's outputs: the importer's model (output k>0 read from the node that computes it). */
export async function runEngine(c: OpCase, mode: 'eval' | 'train' = 'eval'): Promise<Outputs[]> {
  const constants = new Set(c.constants ?? c.inputs.map((_, i) => i).filter((i) => i > 0));
  const description = await readModel({ name: `${c.op}.onnx`, bytes: buildModel(c), readSibling: async () => null });
  const outs: Outputs[] = [];
  for (let k = 0; k < (c.outputs ?? 1); k++) {
    const renamed = { ...description, graph: { ...description.graph!, outputs: [{ name: `out${k}`, dtype: 'float32' as const, shape: null }] } };
    const { model } = importOnnx(renamed);
    if (mode === 'train') model.train(); else model.eval();
    const feeds: Record<string, Tensor> = {};
    c.inputs.forEach((v, i) => {
      if (!v || constants.has(i)) return;
      feeds[`in${i}`] = v.type === 'int64' ? asInteger(Tensor.fromArray(v.data, v.shape, 'float64')) : Tensor.fromArray(v.data, v.shape);
    });
    const y = model.forward(feeds);
    outs.push({ shape: y.shape, data: Float64Array.from(y.data) });
  }
  return outs;
}

/** The engine matches ONNX Runtime: same shapes, values within `tol` of the largest magnitude (default 1e-5). */
export async function expectSameAsOrt(c: OpCase, tol = 1e-5): Promise<void> {
  const [theirs, ours] = await Promise.all([runOrt(c), runEngine(c)]);
  theirs.forEach((t, k) => {
    const o = ours[k];
    expect(o.shape, `${c.op} output ${k} shape`).toEqual(t.shape);
    const scale = Math.max(1, ...Array.from(t.data, Math.abs));
    for (let i = 0; i < t.data.length; i++) {
      const same = Number.isNaN(t.data[i]) ? Number.isNaN(o.data[i]) : Math.abs(o.data[i] - t.data[i]) <= tol * scale;
      if (!same) throw new Error(`${c.op} output ${k} element ${i}: engine ${o.data[i]}, ONNX Runtime ${t.data[i]}`);
    }
  });
}

/** Deterministic values in [-2, 2) for a shape. */
export function values(shape: readonly number[], seed = 1): Operand {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed * 7919 + 17;
  const data = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround((s / 2147483648) * 4 - 2);
  });
  return { shape, data };
}

export function ints(data: readonly number[], shape: readonly number[] = [data.length]): Operand {
  return { shape, data, type: 'int64' };
}
