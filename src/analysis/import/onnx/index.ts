// ONNX graph → engine Model. Each node goes through its operator's converter (./table): an engine
// layer with the file's weights, or a tensor function. A function whose operands are all known at
// import time (stored tensors, Constant nodes, shapes of constants) is folded into a constant there;
// the rest run in the engine, so shape arithmetic on a symbolic batch size is evaluated at run time.
// An operator without a converter is named in an ImportError with its node (listing the
// normalization layers still works, since that needs only the reader). ONNX's NCHW is the engine's layout.

import type { Layer } from '../../../engine/layer';
import { Model, type ModelNode } from '../../../engine/model';
import { asInteger, isInteger } from '../../../engine/ops/dtype';
import { FunctionLayer } from '../../../engine/ops/functionLayer';
import { Tensor } from '../../../engine/tensor';
import type { GraphNode, GraphValue, ModelDescription, TensorInfo } from '../../../formats/model';
import { GroupNorm, LayerNorm } from '../../../engine/norm';
import { decomposedLayerNorms, groupNormsViaInstanceNorm, type DecomposedLayerNorm, type GroupNormViaInstanceNorm } from '../../exportedNorms';
import { ImportError, type ImportFail } from '../common';
import { setValues, tensorOfInfo, type Converted, type OnnxContext } from './context';
import { CONVERTERS } from './table';

export interface ImportedModel {
  readonly model: Model;
  /** The ONNX value name of the model's output. */
  readonly outputName: string;
  /** Engine node name → the normalization layer's name in the file (the same here). */
  readonly normNodes: readonly string[];
}

/** Ops the importer turns into engine layers, for messages about the ones it cannot. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [...Object.keys(CONVERTERS), 'SplitToSequence'].sort();

const NORM_OPS = new Set(['BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization']);

export interface OnnxImportOptions {
  /**
   * Values for graph inputs that are really weights, by input name: some graphs (the ONNX node tests
   * among them) take γ, β and the statistics as inputs instead of storing them.
   */
  readonly weights?: ReadonlyMap<string, TensorInfo>;
}

/** Where each ONNX value comes from while importing: a constant, or an engine node (or model input). */
class Values {
  private readonly constants = new Map<string, Tensor>();
  private readonly producers = new Map<string, string>();

  constructor(private readonly stored: (name: string) => TensorInfo | null) {}

  constant(name: string): Tensor | null {
    const known = this.constants.get(name);
    if (known) return known;
    if (this.producers.has(name)) return null;
    const info = this.stored(name);
    if (!info) return null;
    const t = tensorOfInfo(info);
    this.constants.set(name, t);
    return t;
  }

  setConstant(name: string, t: Tensor): void {
    this.constants.set(name, t);
  }

  producer(name: string): string | undefined {
    return this.producers.get(name);
  }

  setProducer(name: string, node: string): void {
    this.producers.set(name, node);
  }
}

export function importOnnx(description: ModelDescription, options: OnnxImportOptions = {}): ImportedModel {
  const file = description.file;
  const graph = description.graph;
  if (description.format !== 'onnx' || !graph) throw new ImportError(file, 'not an ONNX graph');
  const stored = description.constant ?? ((name: string) => description.tensors.find((t) => t.name === name) ?? null);
  const values = new Values((name) => options.weights?.get(name) ?? stored(name));
  const graphInputs = (graph.inputs ?? []).filter((v) => !values.constant(v.name));
  if (graphInputs.length === 0) throw new ImportError(file, 'the graph has no input that is not a stored tensor');
  for (const v of graphInputs) values.setProducer(v.name, v.name);
  const outputName = graph.outputs?.[0]?.name;
  if (!outputName) throw new ImportError(file, 'the graph declares no output');
  const opset = description.opset ?? 21;

  const nodes: ModelNode[] = [];
  const normNodes: string[] = [];
  const usedNames = new Set<string>(graphInputs.map((v) => v.name));
  const uniqueName = (wanted: string): string => {
    let name = wanted;
    for (let k = 2; usedNames.has(name); k++) name = `${wanted}#${k}`;
    usedNames.add(name);
    return name;
  };
  // Values something reads: extra outputs nobody reads (BN's saved statistics, a Dropout mask) are not computed.
  const consumed = new Set<string>([...graph.nodes.flatMap((n) => n.inputs), outputName]);

  // Normalization that older opsets wrote out (LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div, GroupNorm as
  // Reshape/InstanceNormalization/Reshape/Mul/Add) runs as one engine layer, so the probe records it
  // like the LayerNormalization and GroupNormalization nodes of newer opsets.
  const fused = new Map<GraphNode, Fused>();
  const insideFused = new Set<GraphNode>();
  const fuse = (nodesOf: readonly GraphNode[], f: Fused): void => {
    fused.set(nodesOf[0], f);
    nodesOf.forEach((n) => insideFused.add(n));
  };
  for (const d of decomposedLayerNorms(description)) {
    if (fusableLayerNorm(d)) fuse(d.nodes, { name: d.layer.name, input: d.input, output: d.output, build: (name, fail) => fusedLayerNorm(name, d, fail) });
  }
  for (const [name, d] of groupNormsViaInstanceNorm(description)) {
    if (fusableGroupNorm(d)) fuse(d.nodes, { name, input: d.input, output: d.output, build: (engineName, fail) => fusedGroupNorm(engineName, d, fail) });
  }

  const types = new ElementTypes(graph.nodes, graphInputs, values);
  // SplitToSequence values, read back by SequenceAt: the engine passes tensors, not sequences, so a
  // SequenceAt runs as the piece of the split it picks (torch 2.x writes these without its optimizer).
  const sequences = new Map<string, GraphNode>();
  for (const { node: fileNode, index } of topologicalOrder(graph.nodes, new Set([...graphInputs.map((v) => v.name)]), values)) {
    const where = `node '${fileNode.name}' (${fileNode.opType}, graph.node[${index}])`;
    const fail: ImportFail = (problem, at = where) => new ImportError(file, problem, at);
    if (fileNode.opType === 'SplitToSequence') {
      if (fileNode.outputs[0]) sequences.set(fileNode.outputs[0], fileNode);
      continue;
    }
    const node = fileNode.opType === 'SequenceAt' ? pieceOfSplit(fileNode, sequences, fail) : fileNode;
    // Constant nodes, and anything the reader already resolved to a stored tensor, need no layer.
    if (node.outputs[0] && values.constant(node.outputs[0])) continue;
    if (insideFused.has(node)) {
      const f = fused.get(node);
      if (!f) continue;
      const producer = values.producer(f.input);
      if (producer === undefined) throw fail(`input '${f.input}' is neither a graph input nor produced by an imported node`);
      const name = uniqueName(f.name);
      nodes.push({ name, layer: f.build(name, fail), inputs: [producer] });
      normNodes.push(name);
      values.setProducer(f.output, name);
      continue;
    }
    const converter = CONVERTERS[node.opType];
    if (!converter) {
      throw fail(`the engine has no '${node.opType}' operator (it runs ${SUPPORTED_ONNX_OPS.join(', ')}); the normalization layers are still listed`);
    }
    const present = (i: number): boolean => Boolean(node.inputs[i]);
    const constant = (i: number): Tensor | null => (present(i) ? values.constant(node.inputs[i]) : null);
    const ctx: OnnxContext = {
      file, node, opset, fail, present, constant,
      weight: (i, what) => {
        const t = constant(i);
        if (!t) throw fail(`input ${i} (${what}, '${node.inputs[i] ?? ''}') is computed by the graph, not stored; the engine needs it constant`);
        return t;
      },
    };
    let converted: Converted;
    try {
      converted = converter(ctx);
    } catch (e) {
      if (e instanceof RangeError) throw fail(e.message);
      throw e;
    }
    const producerOf = (value: string): string => {
      const p = values.producer(value);
      if (p === undefined) throw fail(`input '${value}' is neither a graph input nor produced by an imported node`);
      return p;
    };

    if ('layer' in converted) {
      const extra = node.outputs.slice(1).find((o) => o && consumed.has(o));
      if (extra) throw fail(`its output '${extra}' is used, but the engine computes only the first output of ${node.opType}`);
      const name = uniqueName(node.name);
      if (NORM_OPS.has(node.opType)) normNodes.push(name);
      nodes.push({ name, layer: converted.layer, inputs: converted.inputs.map((i) => producerOf(node.inputs[i])) });
      if (node.outputs[0]) values.setProducer(node.outputs[0], name);
      continue;
    }

    const compute = converted.compute;
    const operands = node.inputs.map((v, i) => (v ? constant(i) : undefined));
    // An operand that gives only its type is known when its type is.
    const known = operands.map((t, i) => (t === null && converted.typeOnly?.includes(i) ? typeStandIn(types.of(node.inputs[i])) : t));
    if (known.every((t, i) => t !== null || !present(i))) {
      // Every operand is known now: fold.
      let result: Tensor | Tensor[];
      try {
        result = compute(known.map((t) => t ?? undefined));
      } catch (e) {
        if (e instanceof RangeError) throw fail(e.message);
        throw e;
      }
      const outs = Array.isArray(result) ? result : [result];
      node.outputs.forEach((o, k) => { if (o && outs[k]) values.setConstant(o, outs[k]); });
      continue;
    }
    const runtime = node.inputs.flatMap((v, i) => (present(i) && !operands[i] ? [producerOf(v)] : []));
    node.outputs.forEach((o, k) => {
      if (!o || (k > 0 && !consumed.has(o))) return;
      const fn = (ops: readonly (Tensor | undefined)[]): Tensor => {
        const r = compute(ops);
        if (!Array.isArray(r)) return r;
        if (!r[k]) throw new RangeError(`${node.opType} '${node.name}' produced ${r.length} outputs, output ${k} is used`);
        return r[k];
      };
      const name = uniqueName(k === 0 ? node.name : `${node.name}:${k}`);
      const layer: Layer = new FunctionLayer(name, node.opType, fn, operands.map((t, i) => (present(i) ? t : undefined)));
      nodes.push({ name, layer, inputs: runtime });
      values.setProducer(o, name);
    });
  }
  const output = values.producer(outputName);
  if (!output || !nodes.some((n) => n.name === output)) {
    throw new ImportError(file, `the graph output '${outputName}' is ${values.constant(outputName) ? 'a constant' : 'not produced by an imported node'}; there is nothing to run`);
  }
  const model = new Model({ inputs: graphInputs.map((v) => v.name), nodes, output });
  return { model, outputName, normNodes };
}

/**
 * The nodes in an order where each comes after the producers of its inputs. ONNX asks files to be
 * sorted so, and most are (then this is their order); some writers do not sort, and ONNX Runtime
 * accepts them. A cycle or a value nobody produces is left for the import to report.
 */
function topologicalOrder(nodes: readonly GraphNode[], inputs: ReadonlySet<string>, values: Values): { node: GraphNode; index: number }[] {
  const available = new Set(inputs);
  const order: { node: GraphNode; index: number }[] = [];
  let pending = nodes.map((node, index) => ({ node, index }));
  const take = (item: { node: GraphNode; index: number }): void => {
    order.push(item);
    for (const o of item.node.outputs) if (o) available.add(o);
  };
  // One pass takes every node whose inputs are ready by then, so a sorted graph takes one pass.
  while (pending.length > 0) {
    const waiting = pending.filter((item) => {
      const ready = item.node.inputs.every((v) => !v || available.has(v) || values.constant(v));
      if (ready) take(item);
      return !ready;
    });
    // Nothing was ready: keep the file's order for the rest, and let the first unresolved input be named.
    if (waiting.length === pending.length) waiting.forEach(take);
    pending = waiting.length === pending.length ? [] : waiting;
  }
  return order;
}

/** A written-out normalization run as one engine layer: where it starts and ends, and its layer. */
interface Fused {
  readonly name: string;
  readonly input: string;
  readonly output: string;
  build(name: string, fail: ImportFail): Layer;
}

/** Exactly a GroupNorm: γ and β per channel after a plain InstanceNormalization, nothing else reading inside. */
function fusableGroupNorm(d: GroupNormViaInstanceNorm): boolean {
  const { gamma, beta, groups, channels } = d.layer;
  return d.plain && d.selfContained && gamma !== null && beta !== null && groups !== undefined && channels !== null &&
    beta.values().length === channels && channels % groups === 0;
}

function fusedGroupNorm(name: string, d: GroupNormViaInstanceNorm, fail: ImportFail): GroupNorm {
  const { gamma, beta, groups, channels, epsilon } = d.layer;
  const layer = new GroupNorm({ name, numGroups: groups as number, numChannels: channels as number, eps: epsilon ?? 1e-5 });
  setValues(layer.gamma?.value, (gamma as TensorInfo).values(), 'γ', fail);
  setValues(layer.beta?.value, (beta as TensorInfo).values(), 'β', fail);
  return layer;
}

/** A decomposed LayerNorm runs as one layer when nothing else reads inside it and it reduces the trailing axes γ covers. */
function fusableLayerNorm(d: DecomposedLayerNorm): boolean {
  const gamma = d.layer.gamma;
  if (!d.selfContained || !gamma || d.layer.epsilon === null || !d.axes) return false;
  if (d.layer.beta && d.layer.beta.values().length !== gamma.values().length) return false;
  const trailing = gamma.shape.map((_, i) => i - gamma.shape.length);
  return d.axes.length === trailing.length && [...d.axes].sort((a, b) => a - b).every((a, i) => a === trailing[i]);
}

function fusedLayerNorm(name: string, d: DecomposedLayerNorm, fail: ImportFail): LayerNorm {
  const { gamma, beta, epsilon } = d.layer;
  const shape = (gamma as TensorInfo).shape;
  const layer = new LayerNorm({ name, normalizedShape: shape, eps: epsilon as number, bias: beta !== null });
  setValues(layer.gamma?.value, (gamma as TensorInfo).values(), 'γ', fail);
  if (beta) setValues(layer.beta?.value, beta.values(), 'β', fail);
  return layer;
}

type ElementType = 'float32' | 'float64' | 'integer';

/** Operators whose output is an integer tensor whatever their input. */
const INTEGER_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);
/** Comparisons: ONNX bool, held by the engine as float32 0/1. */
const BOOL_OPS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not', 'IsNaN']);

/**
 * Element types of graph values, as far as the file tells without running it: stored tensors and
 * graph inputs say theirs, and an operator's output has its first data input's type except for the
 * few that make integers or cast.
 */
class ElementTypes {
  private readonly producer = new Map<string, GraphNode>();
  private readonly memo = new Map<string, ElementType | null>();

  constructor(nodes: readonly GraphNode[], private readonly inputs: readonly GraphValue[], private readonly values: Values) {
    for (const n of nodes) for (const o of n.outputs) this.producer.set(o, n);
  }

  of(name: string): ElementType | null {
    if (this.memo.has(name)) return this.memo.get(name) as ElementType | null;
    this.memo.set(name, null); // (a cycle is no type)
    const type = this.find(name);
    this.memo.set(name, type);
    return type;
  }

  private find(name: string): ElementType | null {
    const t = this.values.constant(name);
    if (t) return isInteger(t) ? 'integer' : t.dtype;
    const input = this.inputs.find((v) => v.name === name);
    if (input) return declared(input.dtype);
    const node = this.producer.get(name);
    if (!node) return null;
    if (INTEGER_OPS.has(node.opType)) return 'integer';
    if (BOOL_OPS.has(node.opType)) return 'float32';
    if (node.opType === 'Cast') return castType(node.attributes.to);
    if (node.opType === 'CastLike') return this.of(node.inputs[1] ?? '');
    const data = node.opType === 'Where' ? node.inputs[1] : node.inputs[0];
    return data ? this.of(data) : null;
  }
}

function declared(dtype: string): ElementType | null {
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') return 'float32';
  if (dtype === 'float64') return 'float64';
  if (/^u?int(8|16|32|64)$/.test(dtype)) return 'integer';
  return dtype === 'bool' ? 'float32' : null;
}

function castType(to: unknown): ElementType {
  return to === 1 || to === 10 || to === 16 || to === 9 ? 'float32' : to === 11 ? 'float64' : 'integer';
}

/** An empty tensor of an element type, for an operand that gives only its type. */
function typeStandIn(type: ElementType | null): Tensor | null {
  if (type === null) return null;
  return type === 'integer' ? asInteger(Tensor.zeros([0], 'float64')) : Tensor.zeros([0], type);
}

/** SequenceAt(SplitToSequence(x, split), position) as one node over x, split and position. */
function pieceOfSplit(node: GraphNode, sequences: ReadonlyMap<string, GraphNode>, fail: ImportFail): GraphNode {
  const split = sequences.get(node.inputs[0] ?? '');
  if (!split) throw fail('its sequence does not come from a SplitToSequence; the engine has no other sequence operators');
  return { ...node, inputs: [split.inputs[0] ?? '', split.inputs[1] ?? '', node.inputs[1] ?? ''], attributes: split.attributes };
}
