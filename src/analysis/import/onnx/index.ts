// ONNX graph → engine Model. Each node goes through its operator's converter (./table): an engine
// layer with the file's weights, or a tensor function. A function whose operands are all known at
// import time (stored tensors, Constant nodes, shapes of constants) is folded into a constant there;
// the rest run in the engine, so shape arithmetic on a symbolic batch size is evaluated at run time.
// An operator without a converter is named in an ImportError with its node (listing the
// normalization layers still works, since that needs only the reader). ONNX's NCHW is the engine's layout.

import type { Layer } from '../../../engine/layer';
import { Model, type ModelNode } from '../../../engine/model';
import { FunctionLayer } from '../../../engine/ops/functionLayer';
import type { Tensor } from '../../../engine/tensor';
import type { ModelDescription, TensorInfo } from '../../../formats/model';
import { ImportError, type ImportFail } from '../common';
import { tensorOfInfo, type Converted, type OnnxContext } from './context';
import { CONVERTERS } from './table';

export interface ImportedModel {
  readonly model: Model;
  /** The ONNX value name of the model's output. */
  readonly outputName: string;
  /** Engine node name → the normalization layer's name in the file (the same here). */
  readonly normNodes: readonly string[];
}

/** Ops the importer turns into engine layers, for messages about the ones it cannot. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(CONVERTERS).sort();

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

  for (const [index, node] of graph.nodes.entries()) {
    const where = `node '${node.name}' (${node.opType}, graph.node[${index}])`;
    const fail: ImportFail = (problem, at = where) => new ImportError(file, problem, at);
    // Constant nodes, and anything the reader already resolved to a stored tensor, need no layer.
    if (node.outputs[0] && values.constant(node.outputs[0])) continue;
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
      const name = NORM_OPS.has(node.opType) ? node.name : uniqueName(node.name);
      if (NORM_OPS.has(node.opType)) { usedNames.add(name); normNodes.push(name); }
      nodes.push({ name, layer: converted.layer, inputs: converted.inputs.map((i) => producerOf(node.inputs[i])) });
      if (node.outputs[0]) values.setProducer(node.outputs[0], name);
      continue;
    }

    const compute = converted.compute;
    const operands = node.inputs.map((v, i) => (v ? constant(i) : undefined));
    if (operands.every((t, i) => t !== null || !present(i))) {
      // Every operand is known now: fold.
      let result: Tensor | Tensor[];
      try {
        result = compute(operands.map((t) => t ?? undefined));
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
