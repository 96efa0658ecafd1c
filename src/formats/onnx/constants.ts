// Exporters do not always store normalization parameters as initializers: some emit Constant nodes,
// ConstantOfShape nodes (e.g. a β of zeros) or pass an initializer through Identity nodes. This
// resolves a value name to the tensor behind it, following those nodes. Resolution is on demand, so a
// constant nobody asks about is never built.

import type { TensorInfo } from '../model';
import { OnnxError } from '../errors';
import { elementCount, lazyTensor } from '../tensor';
import { AttributeType, type OnnxAttribute, type OnnxGraph, type OnnxNode } from './proto';
import { onnxDType, onnxTensorInfo, type ExternalFiles } from './tensor';

/** A ConstantOfShape feeding a normalization layer has one value per channel; more is not a parameter. */
const MAX_CONSTANT_OF_SHAPE_ELEMENTS = 1 << 24;

export type TensorResolver = (name: string) => TensorInfo | null;

function constantNodeTensor(file: string, node: OnnxNode, name: string, external: ExternalFiles): TensorInfo | null {
  const attr = (n: string): OnnxAttribute | undefined => node.attributes.find((a) => a.name === n);
  const value = attr('value');
  if (value?.t) return onnxTensorInfo(file, value.t, external, name);
  const f = attr('value_float');
  if (f?.type === AttributeType.FLOAT) return lazyTensor(name, 'float32', [], () => Float32Array.of(f.f ?? 0));
  const fs = attr('value_floats');
  if (fs) return lazyTensor(name, 'float32', [fs.floats.length], () => Float32Array.from(fs.floats));
  const i = attr('value_int');
  if (i?.type === AttributeType.INT) return lazyTensor(name, 'int64', [], () => Float64Array.of(i.i ?? 0));
  const is = attr('value_ints');
  if (is) return lazyTensor(name, 'int64', [is.ints.length], () => Float64Array.from(is.ints));
  return null; // sparse and string constants are never normalization parameters
}

function constantOfShapeTensor(file: string, node: OnnxNode, name: string, where: string, shapeTensor: TensorInfo, external: ExternalFiles): TensorInfo {
  const shape = [...shapeTensor.values()];
  const count = elementCount(shape);
  if (Number.isNaN(count) || count > MAX_CONSTANT_OF_SHAPE_ELEMENTS) {
    throw new OnnxError(file, `ConstantOfShape '${node.name}' asks for shape [${shape.join(',')}], which is not a parameter's shape`, where);
  }
  const valueTensor = node.attributes.find((a) => a.name === 'value')?.t;
  // The spec's default is a float32 zero.
  const fill = valueTensor ? onnxTensorInfo(file, valueTensor, external, name) : null;
  const dtype = valueTensor ? onnxDType(valueTensor.dataType) : 'float32';
  return lazyTensor(name, dtype, shape, () => {
    const v = fill ? fill.values() : new Float32Array(1);
    if (v.length !== 1) throw new OnnxError(file, `ConstantOfShape '${node.name}' has a value of ${v.length} elements, not 1`, where);
    const out = v instanceof Float64Array ? new Float64Array(count) : new Float32Array(count);
    return out.fill(v[0]);
  });
}

export function tensorResolver(file: string, graph: OnnxGraph, initializers: ReadonlyMap<string, TensorInfo>, external: ExternalFiles): TensorResolver {
  const producer = new Map<string, { node: OnnxNode; index: number }>();
  graph.nodes.forEach((node, index) => node.outputs.forEach((o) => producer.set(o, { node, index })));
  const memo = new Map<string, TensorInfo | null>();
  const resolving = new Set<string>();

  const resolve = (name: string): TensorInfo | null => {
    const known = initializers.get(name) ?? memo.get(name);
    if (known !== undefined) return known;
    const found = producer.get(name);
    // A cycle is not a valid graph; treat the value as not constant rather than recursing forever.
    if (!found || resolving.has(name)) return null;
    resolving.add(name);
    try {
      const { node, index } = found;
      const where = `graph.node[${index}]`;
      let t: TensorInfo | null = null;
      if (node.opType === 'Constant' && node.domain === '') t = constantNodeTensor(file, node, name, external);
      else if (node.opType === 'Identity' && node.inputs[0]) {
        const inner = resolve(node.inputs[0]);
        t = inner && { ...inner, name };
      } else if (node.opType === 'ConstantOfShape' && node.inputs[0]) {
        const shape = resolve(node.inputs[0]);
        t = shape && constantOfShapeTensor(file, node, name, where, shape, external);
      }
      memo.set(name, t);
      return t;
    } finally {
      resolving.delete(name);
    }
  };
  return resolve;
}
