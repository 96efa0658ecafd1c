// Keras and TF.js layers models → engine Model, from the graph the readers make of the model config
// (one node per Keras layer, nested models' layers as "outer/inner" nodes after their model's node)
// and its weights, constant("<layer>/<variable>").
//
// Each Keras layer class has a converter (one module per family under keras/, listed in LAYERS
// below): adding a layer is a converter and a line here. The data stays in the Keras layout, channels
// last (NHWC): the model takes and returns what Keras does, and every normalization layer sees, and
// is recorded with, the very tensors Keras gives it. Nested models are wired through: a nested model's
// input layers stand for what feeds the model, the model stands for its output layer.

import { Model, type ModelNode } from '../../engine/model';
import { isNormalizationLayer } from '../../engine/norm';
import type { GraphNode, ModelDescription, TensorInfo } from '../../formats/model';
import { ImportError, type ImportFail } from './common';
import type { ImportedModel } from './onnx';
import { activation, elu, leakyRelu, relu, softmax } from './keras/activations';
import type { Context, Converter, KerasDialect } from './keras/context';
import { conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d } from './keras/conv';
import { dense } from './keras/dense';
import { add, average, concatenate, maximum, minimum, multiply, subtract } from './keras/merge';
import { batchNormalization, layerNormalization } from './keras/norm';
import {
  averagePooling2d, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d, maxPooling2d,
} from './keras/pooling';
import { dropout, inferenceIdentity } from './keras/regularization';
import { cropping2d, flatten, permute, reshape, upSampling2d, zeroPadding2d } from './keras/reshaping';
import { layerScale, normalization, rescaling } from './keras/scaling';

/** Keras layer class → its converter. */
const LAYERS: Readonly<Record<string, Converter>> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Conv2DTranspose: conv2dTranspose,
  Dense: dense,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Softmax: softmax,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  GlobalAveragePooling1D: globalAveragePooling1d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling1D: globalMaxPooling1d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permute,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  UpSampling2D: upSampling2d,
  Add: add,
  Subtract: subtract,
  Multiply: multiply,
  Average: average,
  Maximum: maximum,
  Minimum: minimum,
  Concatenate: concatenate,
  Rescaling: rescaling,
  Normalization: normalization,
  LayerScale: layerScale,
  Dropout: dropout,
  SpatialDropout1D: inferenceIdentity,
  SpatialDropout2D: inferenceIdentity,
  GaussianNoise: inferenceIdentity,
  GaussianDropout: inferenceIdentity,
  AlphaDropout: inferenceIdentity,
  ActivityRegularization: inferenceIdentity,
  StochasticDepth: inferenceIdentity,
};

const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);
const MULTI_INPUT = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate']);

/** Keras layer classes the importer runs (nested models included), for messages about the ones it cannot. */
export const SUPPORTED_KERAS_LAYERS: readonly string[] = ['InputLayer', ...CONTAINERS, ...Object.keys(LAYERS)];

const parentOf = (name: string): string | null => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : null);
const lastPart = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/** Keras 3 changed hard_sigmoid; everything else (tf.keras files, TF.js) has Keras 2's. */
function dialectOf(description: ModelDescription): KerasDialect {
  if (description.format !== 'keras') return 'keras2';
  if (description.variant === 'keras-v3') return 'keras3';
  return description.producerVersion?.startsWith('3') ? 'keras3' : 'keras2';
}

/** Where each Keras name's value comes from in the engine model: nested models resolved to their layers. */
class Wiring {
  private readonly children = new Map<string, GraphNode[]>();
  private readonly byName: Map<string, GraphNode>;
  /** Nested input layer → the engine value it stands for. */
  private readonly aliases = new Map<string, string>();
  /** Nested model → the engine values that feed it. */
  private readonly fedBy = new Map<string, string[]>();

  constructor(nodes: readonly GraphNode[]) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    for (const n of nodes) {
      const parent = parentOf(n.name);
      if (parent !== null) this.children.set(parent, [...(this.children.get(parent) ?? []), n]);
    }
  }

  /** The engine value a Keras layer name stands for. */
  resolve(name: string, depth = 0): string {
    const alias = this.aliases.get(name);
    if (alias !== undefined) return alias;
    const node = this.byName.get(name);
    if (!node || !CONTAINERS.has(node.opType) || depth > 32) return name;
    const listed = node.attributes.output_layers;
    const inner = Array.isArray(listed) && typeof listed[0] === 'string' ? listed[0] : this.children.get(name)?.at(-1)?.name;
    return inner === undefined ? name : this.resolve(inner, depth + 1);
  }

  /** What feeds a layer: its inbound layers, or, first in a nested model, what feeds that model. */
  inputsOf(node: GraphNode, fail: ImportFail): string[] {
    if (node.inputs.length > 0) return node.inputs.map((n) => this.resolve(n));
    const parent = parentOf(node.name);
    const fed = parent === null ? undefined : this.fedBy.get(parent);
    if (fed === undefined) throw fail('no layer feeds it');
    return fed;
  }

  /** A nested model: remembers what feeds it, for its input layers or its first layer. */
  enter(node: GraphNode, inputs: string[]): void {
    this.fedBy.set(node.name, inputs);
  }

  /** A nested model's InputLayer stands for the model's k-th input. */
  bindInput(node: GraphNode, fail: ImportFail): void {
    const parent = parentOf(node.name) as string;
    const fed = this.fedBy.get(parent) ?? [];
    const listed = this.byName.get(parent)?.attributes.input_layers;
    const k = Array.isArray(listed) && listed.length > 0 ? (listed as string[]).indexOf(node.name) : 0;
    if (k < 0 || k >= fed.length) throw fail(`input layer of nested model '${parent}' that is not fed`);
    this.aliases.set(node.name, fed[k]);
  }
}

export function importKeras(description: ModelDescription): ImportedModel {
  const { file, graph } = description;
  if (!graph || (description.format !== 'keras' && description.format !== 'tfjs')) throw new ImportError(file, 'not a Keras or TF.js layers model');
  const constant = description.constant ?? (() => null);
  const inputs = graph.inputs ?? [];
  if (inputs.length === 0) throw new ImportError(file, 'the model config has no InputLayer and its first layer no batch_input_shape');
  const outputs = graph.outputs ?? [];
  if (outputs.length !== 1) throw new ImportError(file, `the model has ${outputs.length} outputs; the engine runs models with one`);
  const dialect = dialectOf(description);
  const wiring = new Wiring(graph.nodes);

  // Engine nodes carry the Keras layer names (the last node of each layer's chain); ranks follow the
  // values where the input shape tells them.
  const ranks = new Map<string, number | null>(inputs.map((v) => [v.name, v.shape ? v.shape.length : null]));
  const nodes: ModelNode[] = [];
  const normNodes: string[] = [];
  for (const node of graph.nodes) {
    const where = `layer '${node.name}' (${node.opType})`;
    const fail: ImportFail = (problem, at = where) => new ImportError(file, problem, at);
    if (CONTAINERS.has(node.opType)) {
      const fed = wiring.inputsOf(node, fail);
      const listed = node.attributes.input_layers;
      const expected = Array.isArray(listed) && listed.length > 0 ? listed.length : 1;
      // The readers merge a model's calls: more inputs than it has input layers means it is called more than once.
      if (fed.length > expected) throw fail(`nested model fed by ${fed.map((n) => `'${n}'`).join(', ')}; a model called more than once (shared) is not supported`);
      wiring.enter(node, fed);
      continue;
    }
    if (node.opType === 'InputLayer') {
      wiring.bindInput(node, fail);
      continue;
    }
    const convert = LAYERS[node.opType];
    if (!convert) throw fail(`the engine has no '${node.opType}' layer (it runs ${SUPPORTED_KERAS_LAYERS.join(', ')}); the normalization layers are still listed`);
    const layerInputs = wiring.inputsOf(node, fail);
    for (const n of layerInputs) if (!ranks.has(n)) throw fail(`input '${n}' is neither a model input nor an earlier layer`);
    // The readers merge a layer's calls, so a single-input layer with several inputs is called more than once.
    if (!MULTI_INPUT.has(node.opType) && layerInputs.length > 1) throw fail(`fed by ${layerInputs.map((n) => `'${n}'`).join(', ')}; a layer called more than once (shared) is not supported`);
    const rank = ranks.get(layerInputs[0]) ?? null;
    const converted = convert(context(node, fail, rank, dialect, constant, description.tensors));
    const layers = Array.isArray(converted) ? converted : converted.layers;
    layers.forEach((layer, k) => nodes.push({ name: layer.name, layer, inputs: k === 0 ? layerInputs : [layers[k - 1].name] }));
    ranks.set(node.name, Array.isArray(converted) ? rank : converted.rank);
    normNodes.push(...layers.filter(isNormalizationLayer).map((l) => l.name));
  }
  const outputName = wiring.resolve(outputs[0].name);
  if (!nodes.some((n) => n.name === outputName)) throw new ImportError(file, `the model output '${outputName}' is not produced by a layer`);
  const model = new Model({ inputs: inputs.map((v) => v.name), nodes, output: outputName });
  return { model, outputName, normNodes };
}

function context(
  node: GraphNode, fail: ImportFail, rank: number | null, dialect: KerasDialect,
  constant: (name: string) => TensorInfo | null, tensors: readonly TensorInfo[],
): Context {
  const optionalWeight = (...names: string[]): TensorInfo | null => {
    for (const n of names) {
      const t = constant(`${node.name}/${n}`);
      if (t) return t;
    }
    return null;
  };
  return {
    node, fail, rank, dialect, optionalWeight,
    weight: (...names) => {
      const t = optionalWeight(...names);
      if (!t) throw fail(`its weight '${names[0]}' is not in the file`);
      return t;
    },
    soleWeight: () => {
      const own = lastPart(node.name);
      const found = tensors.filter((t) => {
        const parts = t.name.split('/');
        return parts.length >= 2 && parts[parts.length - 2] === own;
      });
      if (found.length !== 1) throw fail(`${found.length} weights named '${own}/…' in the file; the layer has one`);
      return found[0];
    },
  };
}
