// The plan of an inference pass (Model.infer): the model's nodes in order, except that a Conv2d and
// the nodes only it feeds, one after another, an eval-mode BatchNorm, an Add of a residual and a
// ReLU or Clip (each optional, in that order: ResNet's conv → bn → (+ shortcut) → relu, MobileNet's
// conv → bn → relu6), run as one convolution with an epilogue (ConvEpilogue). Their separate passes
// over the activations (a BatchNorm, an Add and an activation each read and write a whole tensor) then
// happen inside the convolution's kernel, on its threads, while the output is still in its memory;
// ONNX Runtime and PyTorch's inference paths fuse the same way. Only intermediate values no other node
// reads (and that are not the model's output) are skipped, so the result is the same up to float32
// rounding.

import { Clip, ReLU } from '../layers/activations';
import { Conv2d } from '../layers/conv';
import type { ForwardContext } from '../layer';
import type { ConvEpilogue, ResidentMemory } from '../kernels';
import { BatchNorm } from '../norm/batchnorm';
import { sizeOf, Tensor, type FloatArray } from '../tensor';
import type { ModelNode } from './model';

/** A convolution and what follows it alone; the chain's value is its last node's. */
export interface ConvChain {
  readonly conv: ModelNode;
  /** The nodes after it, in order: at most a BatchNorm, then an Add, then a ReLU or Clip. */
  readonly after: readonly ModelNode[];
}

export type InferenceStep = { readonly node: ModelNode } | { readonly chain: ConvChain };

/** The steps of an inference pass over `nodes` (in execution order) whose output is `outputName`. */
export function inferencePlan(nodes: readonly ModelNode[], outputName: string): InferenceStep[] {
  const readers = new Map<string, ModelNode[]>();
  for (const node of nodes) for (const input of node.inputs) readers.set(input, [...(readers.get(input) ?? []), node]);
  const chainEnds = new Map<ModelNode, ConvChain>();
  const claimed = new Set<ModelNode>();
  /** The one node that reads `value` (once), unless something else needs the value or a chain has that node. */
  const onlyReader = (value: string): ModelNode | undefined => {
    const r = readers.get(value);
    return value !== outputName && r?.length === 1 && !claimed.has(r[0]) ? r[0] : undefined;
  };
  for (const conv of nodes) {
    if (!(conv.layer instanceof Conv2d)) continue;
    const after: ModelNode[] = [];
    let value = conv.name;
    let next = onlyReader(value);
    if (next?.layer instanceof BatchNorm && next.inputs.length === 1) {
      after.push(next);
      next = onlyReader((value = next.name));
    }
    if (next?.layer.kind === 'Add' && next.inputs.length === 2 && next.inputs.some((i) => i !== value)) {
      after.push(next);
      next = onlyReader((value = next.name));
    }
    if (next?.layer instanceof ReLU || next?.layer instanceof Clip) after.push(next);
    if (after.length === 0) continue;
    chainEnds.set(after[after.length - 1], { conv, after });
    for (const node of [conv, ...after]) claimed.add(node);
  }
  // A chain runs where its last node was: by then every value it reads (the residual too) exists.
  return nodes.flatMap((node): InferenceStep[] => {
    const chain = chainEnds.get(node);
    if (chain) return [{ chain }];
    return claimed.has(node) ? [] : [{ node }];
  });
}

/**
 * Runs a chain: the convolution with the longest prefix of the nodes after it that can be folded into
 * its epilogue for these inputs (a BatchNorm in eval mode, an Add of a residual of the output's shape
 * and dtype, a ReLU or Clip), then the rest as ordinary layers. `output` gives the convolution's
 * output array (of that many values, the weights' dtype). Returns every value it produced by node name.
 */
export function runChain(chain: ConvChain, values: ReadonlyMap<string, Tensor>, ctx: ForwardContext, output?: (length: number) => FloatArray): Map<string, Tensor> {
  const conv = chain.conv.layer as Conv2d;
  const x = values.get(chain.conv.inputs[0]) as Tensor;
  const shape = conv.outputShape(x.shape);
  const dtype = conv.weight.value.dtype;
  let affine: { scale: FloatArray; shift: FloatArray } | undefined;
  let residual: FloatArray | undefined;
  let relu = false;
  let clip: [number, number] | undefined;
  let value = chain.conv.name;
  let folded = 0;
  for (const node of chain.after) {
    const layer = node.layer;
    if (layer instanceof BatchNorm) {
      affine = layer.inferenceAffine(shape, dtype, ctx);
      if (!affine) break;
    } else if (layer instanceof ReLU) {
      relu = true;
    } else if (layer instanceof Clip) {
      clip = [layer.min, layer.max];
    } else {
      const other = values.get(node.inputs[0] === value ? node.inputs[1] : node.inputs[0]) as Tensor;
      if (other.dtype !== dtype || other.shape.length !== shape.length || other.shape.some((d, i) => d !== shape[i])) break;
      residual = other.data;
    }
    value = node.name;
    folded++;
  }
  const produced = new Map<string, Tensor>();
  const epilogue: ConvEpilogue | undefined = folded ? { ...affine, residual, relu, clip } : undefined;
  let out = conv.forwardWith(x, epilogue, dtype === 'float32' ? output?.(sizeOf(shape)) : undefined);
  produced.set(value, out);
  for (const node of chain.after.slice(folded)) {
    out = node.layer.forward(node.inputs.map((i) => produced.get(i) ?? (values.get(i) as Tensor)), ctx);
    produced.set(node.name, out);
  }
  return produced;
}

/** For each step, the values it is the last step to read. */
function lastReads(plan: readonly InferenceStep[]): Map<number, string[]> {
  const last = new Map<string, number>();
  plan.forEach((step, i) => {
    const nodes = 'node' in step ? [step.node] : [step.chain.conv, ...step.chain.after];
    for (const node of nodes) for (const input of node.inputs) last.set(input, i);
  });
  const byStep = new Map<number, string[]>();
  for (const [name, i] of last) byStep.set(i, [...(byStep.get(i) ?? []), name]);
  return byStep;
}

/**
 * Runs a plan over `values` (the model's inputs) and returns the value of `outputName`. A value is
 * dropped once its last reader has run, so its memory can go. With `resident`, the convolutions write
 * their outputs into the kernel backend's memory, where the next convolution reads them without a
 * copy; each such array goes back once no value refers to it (a reshape shares its array, so this
 * asks `resident.owner` of every value left), and an output there is copied out.
 */
export function runPlan(plan: readonly InferenceStep[], values: Map<string, Tensor>, outputName: string, ctx: ForwardContext,
  runNode: (node: ModelNode) => void, resident?: ResidentMemory): Tensor {
  const dying = lastReads(plan);
  const held = new Set<Float32Array>();
  const take = resident && ((length: number): Float32Array => {
    const array = resident.allocate(length);
    held.add(array);
    return array;
  });
  try {
    plan.forEach((step, i) => {
      if ('node' in step) runNode(step.node);
      else for (const [name, value] of runChain(step.chain, values, ctx, take)) values.set(name, value);
      for (const name of dying.get(i) ?? []) if (name !== outputName) values.delete(name);
      if (!resident || held.size === 0) return;
      const referred = new Set([...values.values()].map((v) => resident.owner(v.data)));
      for (const array of held) {
        if (referred.has(array)) continue;
        resident.release(array);
        held.delete(array);
      }
    });
    const out = values.get(outputName) as Tensor;
    return resident?.owner(out.data) ? new Tensor(out.data.slice(), out.shape) : out;
  } finally {
    if (resident) for (const array of held) resident.release(array);
  }
}
