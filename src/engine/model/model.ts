// A model is a named DAG of layers: each node names its layer's inputs (model inputs or other nodes),
// and the graph runs in topological order. A plain stack is Model.sequential(). Backward walks the
// order in reverse and sums the gradients of a value that feeds several nodes (fan-out, e.g. the skip
// path of a residual block). train()/eval() follow PyTorch's nn.Module: the mode is handed to every
// layer through the forward context (batch statistics and dropout in train mode only).

import type { ForwardContext, Layer, Parameter, Rng } from '../layer';
import { createRng } from '../rng';
import { Tensor } from '../tensor';
import { kernels } from '../kernels';
import { inferencePlan, runPlan, type InferenceStep } from './inference';

export interface ModelNode {
  readonly name: string;
  readonly layer: Layer;
  /** Names of model inputs or earlier nodes, in the order the layer takes them. */
  readonly inputs: readonly string[];
}

export interface ModelSpec {
  /** Names of the model's inputs (default ["input"]). */
  readonly inputs?: readonly string[];
  readonly nodes: readonly ModelNode[];
  /** The node whose value forward() returns (default: the last node listed). */
  readonly output?: string;
}

/**
 * Called after every layer call with the node's name, its layer, the inputs it got and its output
 * (e.g. by the activation-statistics recorder). It must not modify the tensors.
 */
export type LayerObserver = (layerName: string, layer: Layer, inputs: readonly Tensor[], output: Tensor) => void;

export interface NamedParameter {
  /** "<node name>.<parameter name>", like PyTorch's named_parameters(). */
  readonly name: string;
  readonly parameter: Parameter;
}

export interface ModelOptions {
  /** Random numbers for train-mode layers such as Dropout (default: a generator seeded with 0). */
  rng?: Rng;
}

export class Model {
  readonly inputNames: readonly string[];
  readonly outputName: string;
  /** Nodes in execution (topological) order. */
  readonly nodes: readonly ModelNode[];
  training = true;
  observer: LayerObserver | undefined;
  rng: Rng;
  private inputShapes: Map<string, readonly number[]> | undefined;
  private plan: InferenceStep[] | undefined;

  constructor(spec: ModelSpec, options: ModelOptions = {}) {
    this.inputNames = [...(spec.inputs ?? ['input'])];
    if (spec.nodes.length === 0) throw new Error('A model needs at least one node');
    this.outputName = spec.output ?? spec.nodes[spec.nodes.length - 1].name;
    this.nodes = topologicalOrder(this.inputNames, spec.nodes);
    if (!this.nodes.some((n) => n.name === this.outputName)) throw new Error(`Model output "${this.outputName}" is not a node`);
    this.rng = options.rng ?? createRng(0);
  }

  /** A chain of layers; nodes are named after their layers, made unique Keras-style (dense, dense_1, …). */
  static sequential(layers: readonly Layer[], options: ModelOptions = {}): Model {
    const used = new Set<string>(['input']);
    let previous = 'input';
    const nodes = layers.map((layer) => {
      let name = layer.name;
      for (let k = 1; used.has(name); k++) name = `${layer.name}_${k}`;
      used.add(name);
      const node: ModelNode = { name, layer, inputs: [previous] };
      previous = name;
      return node;
    });
    return new Model({ nodes }, options);
  }

  train(): this {
    this.training = true;
    return this;
  }

  eval(): this {
    this.training = false;
    return this;
  }

  layer(name: string): Layer {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`No node named "${name}"`);
    return node.layer;
  }

  /** Runs the graph; a single tensor feeds the only input. */
  forward(inputs: Tensor | Readonly<Record<string, Tensor>>): Tensor {
    const values = this.givenValues(inputs);
    const ctx = { training: this.training, rng: this.rng };
    for (const node of this.nodes) this.runNode(node, values, ctx);
    this.inputShapes = new Map(this.inputNames.map((n) => [n, (values.get(n) as Tensor).shape]));
    return values.get(this.outputName) as Tensor;
  }

  /**
   * forward() for inference only, like PyTorch's torch.no_grad(): the same output (up to float32
   * rounding) sooner, and nothing for backward(). Without an observer, a Conv2d and the eval-mode
   * BatchNorm, residual Add and ReLU that only it feeds run as one kernel call (./inference.ts); with
   * one, every node runs and is observed as in forward(). Values are dropped once nothing reads them,
   * and on the WebAssembly kernels the convolutions' outputs stay in the kernels' memory in between.
   */
  infer(inputs: Tensor | Readonly<Record<string, Tensor>>): Tensor {
    const values = this.givenValues(inputs);
    const ctx = { training: this.training, rng: this.rng };
    this.inputShapes = undefined;
    if (this.observer) {
      for (const node of this.nodes) this.runNode(node, values, ctx);
      return values.get(this.outputName) as Tensor;
    }
    this.plan ??= inferencePlan(this.nodes, this.outputName);
    return runPlan(this.plan, values, this.outputName, ctx, (node) => this.runNode(node, values, ctx), kernels().resident);
  }

  private givenValues(inputs: Tensor | Readonly<Record<string, Tensor>>): Map<string, Tensor> {
    const given: Readonly<Record<string, Tensor>> = inputs instanceof Tensor ? this.singleInput(inputs) : inputs;
    const values = new Map<string, Tensor>();
    for (const name of this.inputNames) {
      const t = given[name];
      if (!t) throw new Error(`Model input "${name}" is missing`);
      values.set(name, t);
    }
    return values;
  }

  private runNode(node: ModelNode, values: Map<string, Tensor>, ctx: ForwardContext): void {
    const ins = node.inputs.map((i) => values.get(i) as Tensor);
    const out = node.layer.forward(ins, ctx);
    this.observer?.(node.name, node.layer, ins, out);
    values.set(node.name, out);
  }

  /**
   * Backpropagates ∂loss/∂output through the graph of the last forward(); parameter gradients are
   * added to Parameter.grad. Returns ∂loss/∂input for each model input.
   */
  backward(gradOutput: Tensor): Record<string, Tensor> {
    const inputShapes = this.inputShapes;
    if (!inputShapes) throw new Error('Model.backward() needs a forward() first (infer() keeps nothing for it)');
    const grads = new Map<string, Tensor>([[this.outputName, gradOutput]]);
    for (let k = this.nodes.length - 1; k >= 0; k--) {
      const node = this.nodes[k];
      const g = grads.get(node.name);
      if (!g) continue; // does not reach the output
      const inputGrads = node.layer.backward(g);
      node.inputs.forEach((name, i) => {
        const previous = grads.get(name);
        grads.set(name, previous ? sum(previous, inputGrads[i]) : inputGrads[i]);
      });
    }
    const result: Record<string, Tensor> = {};
    for (const name of this.inputNames) {
      result[name] = grads.get(name) ?? Tensor.zeros(inputShapes.get(name) as readonly number[], gradOutput.dtype);
    }
    return result;
  }

  parameters(): NamedParameter[] {
    return this.nodes.flatMap((node) => node.layer.parameters().map((parameter) => ({ name: `${node.name}.${parameter.name}`, parameter })));
  }

  /** Buffers (e.g. running statistics) by "<node name>.<buffer name>". */
  buffers(): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    for (const node of this.nodes) {
      for (const [name, t] of Object.entries(node.layer.buffers())) result[`${node.name}.${name}`] = t;
    }
    return result;
  }

  zeroGrad(): void {
    for (const { parameter } of this.parameters()) parameter.grad.data.fill(0);
  }

  private singleInput(t: Tensor): Record<string, Tensor> {
    if (this.inputNames.length !== 1) throw new Error(`Model has ${this.inputNames.length} inputs; pass them by name`);
    return { [this.inputNames[0]]: t };
  }
}

/** A fresh tensor (never mutates either operand: layers may hand back the same gradient twice). */
function sum(a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size) throw new RangeError(`Gradient shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] differ`);
  const out = a.clone();
  for (let i = 0; i < out.size; i++) out.data[i] += b.data[i];
  return out;
}

/** Kahn's algorithm, stable with respect to the order the nodes were listed in. */
function topologicalOrder(inputNames: readonly string[], nodes: readonly ModelNode[]): ModelNode[] {
  const byName = new Map<string, ModelNode>();
  const layers = new Set<Layer>();
  for (const node of nodes) {
    if (byName.has(node.name) || inputNames.includes(node.name)) throw new Error(`Duplicate name "${node.name}" in the model`);
    // A layer keeps the state of its last forward() for backward(), so it cannot run twice per pass.
    if (layers.has(node.layer)) throw new Error(`Layer of node "${node.name}" is used by another node too`);
    byName.set(node.name, node);
    layers.add(node.layer);
  }
  const pending = new Map<string, number>();
  for (const node of nodes) {
    for (const input of node.inputs) {
      if (!byName.has(input) && !inputNames.includes(input)) throw new Error(`Node "${node.name}" reads unknown value "${input}"`);
    }
    pending.set(node.name, node.inputs.filter((i) => byName.has(i)).length);
  }
  const order: ModelNode[] = [];
  const done = new Set<string>();
  while (order.length < nodes.length) {
    const ready = nodes.find((n) => !done.has(n.name) && pending.get(n.name) === 0);
    if (!ready) throw new Error('The model graph has a cycle');
    order.push(ready);
    done.add(ready.name);
    for (const n of nodes) {
      for (const input of n.inputs) if (input === ready.name) pending.set(n.name, (pending.get(n.name) as number) - 1);
    }
  }
  return order;
}
