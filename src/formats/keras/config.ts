// Keras model configs — the JSON in a .keras zip's config.json, a legacy .h5's model_config
// attribute, a Keras 2 model.to_json() file and a TF.js layers-model's modelTopology — flattened into
// the list of layers with their class, settings and neighbours. Shared by the Keras and TF.js readers.

import { parseJson } from '../json';
import type { ErrorFactory } from '../errors';
import type { NormKind, TensorInfo } from '../model';

export interface KerasLayer {
  /** The user's layer name (nested models' layers are prefixed "outer/"). */
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, unknown>;
  /** Names of the layers feeding this one. */
  readonly inbound: string[];
  /** A nested model's input and output layers (prefixed like its layers), as its config lists them; empty for Sequential. */
  readonly inputLayers?: string[];
  readonly outputLayers?: string[];
}

export interface KerasModelConfig {
  readonly className: string;
  readonly layers: KerasLayer[];
  /** A functional model's input and output layers (input_layers, output_layers), in order; empty for Sequential. */
  readonly inputLayers?: string[];
  readonly outputLayers?: string[];
  /** Layer name → class, to name neighbours. */
  readonly classOf: ReadonlyMap<string, string>;
}

export const NORM_CLASSES: Record<string, NormKind> = {
  BatchNormalization: 'BatchNorm',
  SyncBatchNormalization: 'BatchNorm',
  LayerNormalization: 'LayerNorm',
  GroupNormalization: 'GroupNorm',
};

export const CONTAINERS: ReadonlySet<string> = new Set(['Sequential', 'Functional', 'Model']);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Inbound layer names from either encoding of inbound_nodes: Keras 2 and TF.js write
 * [[["conv1", 0, 0, {}]]]; Keras 3 writes [{"args": [{"class_name": "__keras_tensor__",
 * "config": {"keras_history": ["conv1", 0, 0]}}], "kwargs": {}}].
 */
function inboundNames(nodes: unknown): string[] {
  const names: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8) return;
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') names.push(v[0]);
      else for (const x of v) visit(x, depth + 1);
    } else if (isRecord(v)) {
      const history = isRecord(v.config) ? v.config.keras_history : undefined;
      if (Array.isArray(history) && typeof history[0] === 'string') names.push(history[0]);
      else for (const x of Object.values(v)) visit(x, depth + 1);
    }
  };
  visit(nodes, 0);
  return [...new Set(names)];
}

function flatten(container: Record<string, unknown>, prefix: string, out: KerasLayer[], fail: ErrorFactory, where: string, depth: number): void {
  if (depth > 16) throw fail('models nested more than 16 deep', where);
  const config = container.config;
  // Very old Sequential configs are the list of layers itself.
  const layers = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(layers)) throw fail(`a ${String(container.class_name)} config without a list of layers`, where);
  let previous: string | null = null;
  layers.forEach((layer, i) => {
    const at = `${where}.layers[${i}]`;
    if (!isRecord(layer) || typeof layer.class_name !== 'string' || !isRecord(layer.config)) throw fail('a layer without class_name and config', at);
    const own = typeof layer.config.name === 'string' ? layer.config.name : typeof layer.name === 'string' ? layer.name : `${layer.class_name}_${i}`;
    const name = prefix + own;
    const explicit = inboundNames(layer.inbound_nodes).map((n) => prefix + n);
    // A Sequential model's layers are fed by the layer before them.
    const inbound = explicit.length > 0 ? explicit : previous !== null && container.class_name === 'Sequential' ? [previous] : [];
    if (CONTAINERS.has(layer.class_name)) {
      const ends = (key: string): string[] => endpointNames((layer.config as Record<string, unknown>)[key]).map((n) => `${name}/${n}`);
      out.push({ name, className: layer.class_name, config: layer.config, inbound, inputLayers: ends('input_layers'), outputLayers: ends('output_layers') });
      flatten(layer, `${name}/`, out, fail, at, depth + 1);
    } else {
      out.push({ name, className: layer.class_name, config: layer.config, inbound });
    }
    previous = name;
  });
}

/** Layer names of input_layers/output_layers: Keras 3 writes ["x", 0, 0] for one, Keras 2 and TF.js [["x", 0, 0], …]. */
function endpointNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [v[0]];
  return v.filter((e): e is unknown[] => Array.isArray(e) && typeof e[0] === 'string').map((e) => e[0] as string);
}

/** Parses a model config object (the JSON's top level: {class_name, config}). */
export function parseModelConfig(json: unknown, fail: ErrorFactory, where: string): KerasModelConfig {
  if (!isRecord(json) || typeof json.class_name !== 'string') throw fail('the model config has no class_name', where);
  const layers: KerasLayer[] = [];
  if (CONTAINERS.has(json.class_name)) flatten(json, '', layers, fail, where, 0);
  else if (isRecord(json.config)) layers.push({ name: String(json.config.name ?? json.class_name), className: json.class_name, config: json.config, inbound: [] });
  const config = isRecord(json.config) ? json.config : {};
  return {
    className: json.class_name,
    layers,
    inputLayers: endpointNames(config.input_layers),
    outputLayers: endpointNames(config.output_layers),
    classOf: new Map(layers.map((l) => [l.name, l.className])),
  };
}

export function parseModelConfigText(text: string, fail: ErrorFactory, where: string): KerasModelConfig {
  const parsed = parseJson(text);
  if ('problem' in parsed) throw fail(`the model config is not JSON that BN Lens reads: ${parsed.problem}`, where);
  return parseModelConfig(parsed.value, fail, where);
}

const consumers = new WeakMap<KerasModelConfig, Map<string, string[]>>();

/** For each layer name, the classes of the layers it feeds: built once per model, so asking for every layer stays linear. */
function consumerClasses(model: KerasModelConfig): Map<string, string[]> {
  let map = consumers.get(model);
  if (!map) {
    map = new Map();
    for (const l of model.layers) {
      for (const n of l.inbound) {
        const list = map.get(n);
        if (list) list.push(l.className);
        else map.set(n, [l.className]);
      }
    }
    consumers.set(model, map);
  }
  return map;
}

/** The classes of the layers before and after a layer, as NormLayer.after/.before show them. */
export function neighbours(model: KerasModelConfig, layer: KerasLayer): { after: string | null; before: string | null } {
  const after = layer.inbound.map((n) => model.classOf.get(n)).filter((c): c is string => Boolean(c));
  const before = consumerClasses(model).get(layer.name) ?? [];
  return { after: [...new Set(after)].join(',') || null, before: [...new Set(before)].join(',') || null };
}

export interface NormSettings {
  readonly kind: NormKind;
  readonly momentum: number | null;
  readonly epsilon: number | null;
  readonly center: boolean;
  readonly scale: boolean;
  readonly axis: number | null;
  readonly groups: number | null;
}

/** A normalization layer's settings, with the Keras defaults for what its config leaves out. */
export function normSettings(layer: KerasLayer): NormSettings | null {
  const kind = NORM_CLASSES[layer.className];
  if (!kind) return null;
  const c = layer.config;
  const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
  const axis = Array.isArray(c.axis) ? (typeof c.axis[0] === 'number' ? c.axis[0] : null) : typeof c.axis === 'number' ? c.axis : -1;
  return {
    kind,
    momentum: kind === 'BatchNorm' ? num(c.momentum, 0.99) : null,
    epsilon: num(c.epsilon, 1e-3), // the default of all three Keras layers
    center: c.center !== false,
    scale: c.scale !== false,
    axis,
    groups: kind === 'GroupNorm' ? num(c.groups, 32) : null,
  };
}

/**
 * The names Keras gives a layer's variables, in the order it creates them (the order of a Keras 3
 * weights file's vars/0, vars/1, …), or null for a class whose variables are not known here.
 */
export function variableNames(layer: KerasLayer): string[] | null {
  const c = layer.config;
  const bias = c.use_bias !== false ? ['bias'] : [];
  const affine = [...(c.scale !== false ? ['gamma'] : []), ...(c.center !== false ? ['beta'] : [])];
  switch (layer.className) {
    case 'Conv1D': case 'Conv2D': case 'Conv3D': case 'Conv1DTranspose': case 'Conv2DTranspose': case 'Conv3DTranspose': case 'Dense':
      return ['kernel', ...bias];
    // Keras 3 names the depthwise kernel "kernel" (Keras 2 and TF.js "depthwise_kernel").
    case 'DepthwiseConv1D': case 'DepthwiseConv2D':
      return ['kernel', ...bias];
    case 'SeparableConv1D': case 'SeparableConv2D':
      return ['depthwise_kernel', 'pointwise_kernel', ...bias];
    case 'BatchNormalization': case 'SyncBatchNormalization':
      return [...affine, 'moving_mean', 'moving_variance'];
    case 'LayerNormalization': case 'GroupNormalization':
      return affine;
    case 'PReLU':
      return ['alpha'];
    // Only when adapted: a Normalization given mean and variance in its config has no variables.
    case 'Normalization':
      return ['mean', 'variance', 'count'];
    case 'Embedding':
      return ['embeddings'];
    default:
      return null;
  }
}

/**
 * A layer's variable among weights named "<layer>/<variable>", where writers disagree on how much of a
 * nested layer's path ("outer/inner/bn_Conv1") they keep: TF.js's own save and Keras 3 keep it all, the
 * TF.js converter and Keras 2 keep what the variable was created under, often only "bn_Conv1/gamma"
 * (Teachable Machine exports). The longest suffix of the path that names a weight wins.
 */
export function weightByLayerPath(byName: ReadonlyMap<string, TensorInfo>, layerPath: string, variable: string): TensorInfo | null {
  const parts = layerPath.split('/');
  for (let i = 0; i < parts.length; i++) {
    const t = byName.get(`${parts.slice(i).join('/')}/${variable}`);
    if (t) return t;
  }
  return null;
}

/** Keras's own snake_case (keras/src/utils/naming.py), which names Keras 3 weight groups after classes. */
export function toSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}
