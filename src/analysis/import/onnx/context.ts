// What an ONNX operator's converter gets (the node, its attributes, which operands are constant) and
// what it returns: an engine layer reading some of the node's inputs, or a pure tensor function over
// all of them, which the importer folds into a constant when every operand is known at import time
// (shape arithmetic on stored shapes, weight transforms) and otherwise runs as a layer.

import type { Layer } from '../../../engine/layer';
import { asInteger } from '../../../engine/ops/dtype';
import { Tensor } from '../../../engine/tensor';
import type { AttributeValue, GraphNode, TensorInfo } from '../../../formats/model';
import { assign, type ImportFail } from '../common';

export type Operands = readonly (Tensor | undefined)[];

export type Converted =
  /** An engine layer; `inputs` are the ONNX input indices it reads, in order (weights are baked in). */
  | { readonly layer: Layer; readonly inputs: readonly number[] }
  /**
   * A function of every operand (undefined where an optional input is omitted); an array for several
   * outputs. Operands listed in `typeOnly` give only their element type (CastLike's target), so the
   * result can still be folded when they are computed at run time but their type is known.
   */
  | { readonly compute: (operands: Operands) => Tensor | Tensor[]; readonly typeOnly?: readonly number[] };

export interface OnnxContext {
  readonly file: string;
  readonly node: GraphNode;
  /** The model's default-domain opset: attributes and inputs change meaning between versions. */
  readonly opset: number;
  readonly fail: ImportFail;
  /** Whether input i is given (optional inputs may be omitted or named ''). */
  present(i: number): boolean;
  /** Input i's value when it is known at import time (stored, or folded), else null. */
  constant(i: number): Tensor | null;
  /** Input i's value, which must be known at import time (a weight); else an error naming it. */
  weight(i: number, what: string): Tensor;
}

export type Converter = (ctx: OnnxContext) => Converted;

/** Converters by operator name: each family module exports one of these. */
export type ConverterTable = Readonly<Record<string, Converter>>;

export function attr(node: GraphNode, name: string): AttributeValue | undefined {
  return node.attributes[name];
}

export function intAttr(node: GraphNode, name: string, fallback: number): number {
  const v = node.attributes[name];
  return typeof v === 'number' ? v : fallback;
}

export const floatAttr = intAttr;

export function intsAttr(node: GraphNode, name: string): number[] | null {
  const v = node.attributes[name];
  return Array.isArray(v) ? (v as number[]) : null;
}

export function stringAttr(node: GraphNode, name: string, fallback: string): string {
  const v = node.attributes[name];
  return typeof v === 'string' ? v : fallback;
}

/** A stored tensor as an engine tensor: float types as float32 (float64 kept), integer and bool types as marked integers. */
export function tensorOfInfo(info: TensorInfo): Tensor {
  const values = info.values();
  switch (info.dtype) {
    case 'float32': case 'float16': case 'bfloat16': return Tensor.fromArray(values, info.shape, 'float32');
    case 'float64': return Tensor.fromArray(values, info.shape, 'float64');
    default: return asInteger(Tensor.fromArray(values, info.shape, 'float64'));
  }
}

/** Copies a constant into a layer's parameter or buffer. */
export function setValues(target: Tensor | undefined, source: Tensor | Float32Array | Float64Array, what: string, fail: ImportFail): void {
  if (!target) throw fail(`the engine layer has no ${what}`);
  assign(target, source instanceof Tensor ? source.data : source, what, fail);
}

/** A layer reading only the node's first input (the activation); its weights are baked in. */
export function single(layer: Layer): Converted {
  return { layer, inputs: [0] };
}

/** The values of a small constant operand (axes, a shape, pads) as plain integers. */
export function intValues(t: Tensor): number[] {
  return Array.from(t.data, (v) => Math.trunc(v));
}

/** A scalar operand's value. */
export function scalar(t: Tensor | undefined, fallback: number): number {
  return t && t.size > 0 ? t.data[0] : fallback;
}
