// Keras reader: the Keras 3 .keras zip (config.json + model.weights.h5), the legacy full-model .h5
// (model_config attribute + model_weights group), weights-only .h5 files in the Keras 2 and Keras 3
// layouts, and a Keras 2 JSON architecture (model.to_json()) next to its weights .h5. The config gives
// each normalization layer's settings and, as the description's graph, the architecture; the weights
// give γ, β and the moving statistics, and every layer's weights as constant("<layer>/<variable>").

import type { ModelDescription, NormLayer, TensorInfo } from '../model';
import { KerasError, notAModel } from '../errors';
import { baseName, type ModelSource } from '../source';
import { hexHead } from '../tensor';
import { groupNormParams, groupNotes, normLayerOf } from '../stateDict';
import type { ZipArchive } from '../zip';
import { hdf5SuperblockOffset } from '../detect';
import { isRecord, neighbours, normSettings, parseModelConfig, parseModelConfigText, toSnakeCase, variableNames, NORM_CLASSES, type KerasLayer, type KerasModelConfig, type NormSettings } from './config';
import { kerasGraph } from './graph';
import { openHdf5, stringAttr, type H5Group } from './hdf5';
import { keras2Weights, keras3Weights, type Keras2Layer, type Keras3Layer } from './weights';

type Fail = (problem: string, where?: string) => KerasError;

/** γ, β and the moving statistics of one layer, by role. */
interface LayerWeights { gamma: TensorInfo | null; beta: TensorInfo | null; mean: TensorInfo | null; var: TensorInfo | null }

function normLayer(model: KerasModelConfig, layer: KerasLayer, s: NormSettings, w: LayerWeights): NormLayer {
  const first = w.gamma ?? w.mean ?? w.beta;
  const isBN = s.kind === 'BatchNorm';
  return {
    name: layer.name,
    kind: s.kind,
    op: layer.className,
    channels: first && first.shape.length >= 1 ? first.shape[first.shape.length - 1] : null,
    epsilon: s.epsilon,
    momentum: s.momentum,
    momentumConvention: isBN ? 'keras' : null,
    affine: s.center || s.scale,
    center: s.center,
    scale: s.scale,
    gamma: w.gamma,
    beta: w.beta,
    runningMean: isBN ? w.mean : null,
    runningVar: isBN ? w.var : null,
    numBatchesTracked: null,
    training: null,
    ...neighbours(model, layer),
    ...(s.axis !== null ? { axis: s.axis } : {}),
    ...(s.groups !== null ? { groups: s.groups } : {}),
  };
}

/** Keras 3 stores a BN's variables as [gamma if scale, beta if center, moving_mean, moving_variance]. */
function rolesOf(s: Pick<NormSettings, 'kind' | 'center' | 'scale'>, vars: TensorInfo[]): LayerWeights {
  const queue = [...vars];
  const gamma = s.scale ? (queue.shift() ?? null) : null;
  const beta = s.center ? (queue.shift() ?? null) : null;
  const isBN = s.kind === 'BatchNorm';
  return { gamma, beta, mean: isBN ? (queue.shift() ?? null) : null, var: isBN ? (queue.shift() ?? null) : null };
}

/**
 * The Keras 3 weight group of each config layer. Names are class-based (batch_normalization_1) and
 * numbered per container in layer order, so the k-th BatchNormalization of the config is
 * batch_normalization_k; a vars "name" attribute, when present, names the layer outright.
 */
function matchKeras3(model: KerasModelConfig, layers: Keras3Layer[]): Map<string, Keras3Layer> {
  const byUserName = new Map(layers.filter((l) => l.userName).map((l) => [l.path.slice(0, -1).concat(l.userName!).join('/'), l]));
  const byPath = new Map(layers.map((l) => [l.path.join('/'), l]));
  const counters = new Map<string, number>();
  const h5Path = new Map<string, string>();
  const out = new Map<string, Keras3Layer>();
  for (const layer of model.layers) {
    const parts = layer.name.split('/');
    const parent = parts.slice(0, -1).map((p) => h5Path.get(p) ?? p);
    const base = toSnakeCase(layer.className);
    const scope = `${parent.join('/')}|${base}`;
    const k = counters.get(scope) ?? 0;
    counters.set(scope, k + 1);
    const own = k === 0 ? base : `${base}_${k}`;
    h5Path.set(parts[parts.length - 1], own);
    const found = byUserName.get(layer.name) ?? byPath.get([...parent, own].join('/'));
    if (found) out.set(layer.name, found);
  }
  return out;
}

const NO_WEIGHTS: LayerWeights = { gamma: null, beta: null, mean: null, var: null };

/** Each config layer's weights by Keras variable name (kernel, bias, gamma, moving_mean, …). */
type WeightsByLayer = ReadonlyMap<string, ReadonlyMap<string, TensorInfo>>;

/** The config's normalization layers with their weights; a layer the weights lack is kept and noted. */
function layersFromConfig(model: KerasModelConfig, weights: WeightsByLayer, notes: string[]): NormLayer[] {
  const out: NormLayer[] = [];
  for (const layer of model.layers) {
    const s = normSettings(layer);
    if (!s) continue;
    const w = weights.get(layer.name);
    if (!w) notes.push(`${layer.name}: in the model config but its weights were not found in the file.`);
    const get = (k: string): TensorInfo | null => w?.get(k) ?? null;
    out.push(normLayer(model, layer, s, w ? { gamma: get('gamma'), beta: get('beta'), mean: get('moving_mean'), var: get('moving_variance') } : NO_WEIGHTS));
  }
  return out;
}

function keras2LayerWeights(model: KerasModelConfig, layers: Keras2Layer[]): WeightsByLayer {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const out = new Map<string, ReadonlyMap<string, TensorInfo>>();
  for (const layer of model.layers) {
    const found = byName.get(layer.name) ?? byName.get(layer.name.split('/').pop() ?? '');
    if (found) out.set(layer.name, found.weights);
  }
  return out;
}

/**
 * Keras 3 weights by config layer, named "<layer>/<variable>" in Keras's variable order for the
 * layer's class (a BN's [gamma if scale, beta if center, moving_mean, moving_variance]); the groups no
 * config layer claims, and layers of classes whose variables are not known here, keep "…/vars/<i>".
 */
function keras3LayerWeights(model: KerasModelConfig, layers: Keras3Layer[]): { weights: WeightsByLayer; tensors: TensorInfo[] } {
  const matched = matchKeras3(model, layers);
  const owner = new Map<Keras3Layer, KerasLayer>();
  for (const layer of model.layers) {
    const found = matched.get(layer.name);
    if (found) owner.set(found, layer);
  }
  const weights = new Map<string, ReadonlyMap<string, TensorInfo>>();
  const tensors: TensorInfo[] = [];
  for (const group of layers) {
    const layer = owner.get(group);
    if (!layer) {
      tensors.push(...keras3Tensors([group]));
      continue;
    }
    const known = variableNames(layer);
    const names = known && known.length === group.vars.length ? known : group.vars.map((_, i) => `vars/${i}`);
    const named = new Map(group.vars.map((v, i) => [names[i], v.tensor(`${layer.name}/${names[i]}`)]));
    weights.set(layer.name, named);
    tensors.push(...named.values());
  }
  return { weights, tensors };
}

const KERAS3_NORM_GROUP = /^(batch_normalization|sync_batch_normalization|layer_normalization|group_normalization)(_\d+)?$/;

/** A lone Keras 3 weights file: layer kinds from the class-based group names, roles from the var count. */
function inferKeras3(layers: Keras3Layer[], notes: string[]): NormLayer[] {
  const out: NormLayer[] = [];
  const empty: KerasModelConfig = { className: '', layers: [], classOf: new Map() };
  for (const l of layers) {
    const h5Name = l.path[l.path.length - 1];
    const m = KERAS3_NORM_GROUP.exec(h5Name);
    if (!m) continue;
    const className = Object.keys(NORM_CLASSES).find((c) => toSnakeCase(c) === m[1]) ?? 'BatchNormalization';
    const kind = NORM_CLASSES[className];
    const vars = l.vars.map((v, i) => v.tensor(`${l.path.join('/')}/vars/${i}`));
    const stats = kind === 'BatchNorm' ? 2 : 0;
    const affineCount = vars.length - stats;
    let center = affineCount >= 1;
    let scale = affineCount >= 1;
    if (affineCount === 1) {
      // One of γ, β is switched off; γ starts at 1 and β at 0, so the values tell which is left.
      let sum = 0;
      const v = vars[0].values();
      for (const x of v) sum += x;
      const mean = sum / Math.max(1, v.length);
      scale = Math.abs(mean - 1) < Math.abs(mean);
      center = !scale;
    }
    const name = [...l.path.slice(0, -1), l.userName ?? h5Name].join('/');
    const layer: KerasLayer = { name, className, config: {}, inbound: [] };
    const settings: NormSettings = { kind, momentum: null, epsilon: null, center, scale, axis: null, groups: null };
    out.push(normLayer(empty, layer, settings, rolesOf(settings, vars)));
    if (affineCount === 1) notes.push(`${name}: has one of γ/β only; taken to be ${scale ? 'γ (center=False)' : 'β (scale=False)'} from its values.`);
  }
  notes.push(layers.some((l) => l.userName)
    ? 'A weights-only file without the model config: layer names come from the file, epsilon and momentum are unknown.'
    : 'A weights-only file without the model config: layer names are inferred from the class-based group names (batch_normalization_1, …), epsilon and momentum are unknown.');
  return out;
}

/** A lone Keras 2 weights file: normalization layers recognized from weight names. */
function inferKeras2(layers: Keras2Layer[], notes: string[]): NormLayer[] {
  const tensors = layers.flatMap((l) => [...l.weights].map(([suffix, t]) => ({ ...t, name: `${l.name}/${suffix}` })));
  const groups = groupNormParams(tensors);
  notes.push(...groupNotes(groups), 'A weights-only file without the model config: epsilon and momentum are unknown.');
  return groups.map((g) => normLayerOf(g, g.kind === 'BatchNorm' ? 'BatchNormalization' : g.kind));
}

function description(file: string, variant: string, version: string | null, tensors: TensorInfo[], normLayers: NormLayer[], notes: string[]): ModelDescription {
  return { file, format: 'keras', variant, producer: 'Keras', producerVersion: version, opset: null, graph: null, tensors, normLayers, notes };
}

/** A file with a model config: its layers as a graph, each layer's weights as constant("<layer>/<variable>"). */
function withGraph(d: ModelDescription, model: KerasModelConfig, weights: WeightsByLayer): ModelDescription {
  const byName = new Map<string, TensorInfo>();
  for (const [layer, named] of weights) for (const [variable, t] of named) byName.set(`${layer}/${variable}`, t);
  return { ...d, graph: kerasGraph(model), constant: (name) => byName.get(name) ?? null };
}

function keras3Tensors(layers: Keras3Layer[]): TensorInfo[] {
  return layers.flatMap((l) => l.vars.map((v, i) => v.tensor(`${[...l.path.slice(0, -1), l.userName ?? l.path[l.path.length - 1]].join('/')}/vars/${i}`)));
}

export function readKerasZip(source: ModelSource, zip: ZipArchive): ModelDescription {
  const file = source.name;
  const fail: Fail = (p, w) => new KerasError(file, p, w);
  const entry = (name: string): Uint8Array => {
    const e = zip.get(name);
    if (!e) throw fail(`the .keras archive has no ${name}`, 'zip central directory');
    return zip.read(e);
  };
  const model = parseModelConfigText(new TextDecoder().decode(entry('config.json')), fail, 'config.json');
  let version: string | null = null;
  if (zip.get('metadata.json')) {
    try {
      const meta: unknown = JSON.parse(new TextDecoder().decode(entry('metadata.json')));
      version = isRecord(meta) && typeof meta.keras_version === 'string' ? meta.keras_version : null;
    } catch {
      // metadata.json only carries the version; a broken one loses nothing else.
    }
  }
  const h5 = openHdf5(entry('model.weights.h5'), (p, w) => fail(p, `model.weights.h5 ${w ?? ''}`.trim()));
  const { weights, tensors } = keras3LayerWeights(model, keras3Weights(h5, fail));
  const notes: string[] = [];
  const normLayers = layersFromConfig(model, weights, notes);
  return withGraph(description(file, 'keras-v3', version, tensors, normLayers, notes), model, weights);
}

function readH5(file: string, bytes: Uint8Array, notes: string[], config: KerasModelConfig | null): ModelDescription {
  const fail: Fail = (p, w) => new KerasError(file, p, w);
  const offset = hdf5SuperblockOffset(bytes);
  if (offset === null) throw fail(`not an HDF5 file: it does not start with the HDF5 signature 89 48 44 46 0d 0a 1a 0a but with ${hexHead(bytes)}`, 'byte 0');
  if (offset !== 0) throw fail(`the HDF5 data starts after a ${offset}-byte user block, which BN Lens does not read`, 'byte 0');
  const root = openHdf5(bytes, fail);
  const version = stringAttr(root.attr('keras_version'));
  const modelConfigText = stringAttr(root.attr('model_config'));
  const model = config ?? (modelConfigText !== null ? parseModelConfigText(modelConfigText, fail, 'attribute model_config') : null);
  const weightsGroup: H5Group = root.group('model_weights') ?? root;
  if (weightsGroup.attr('layer_names') !== undefined) {
    const layers = keras2Weights(weightsGroup, fail);
    const tensors = layers.flatMap((l) => l.tensors);
    const variant = modelConfigText !== null ? 'keras-h5' : config ? 'keras2-json' : 'keras2-weights-h5';
    if (!model) return description(file, variant, version, tensors, inferKeras2(layers, notes), notes);
    const weights = keras2LayerWeights(model, layers);
    return withGraph(description(file, variant, version, tensors, layersFromConfig(model, weights, notes), notes), model, weights);
  }
  if (root.group('layers')) {
    const layers = keras3Weights(root, fail);
    const variant = config ? 'keras-json' : 'keras3-weights-h5';
    if (!model) return description(file, variant, version, keras3Tensors(layers), inferKeras3(layers, notes), notes);
    const { weights, tensors } = keras3LayerWeights(model, layers);
    return withGraph(description(file, variant, version, tensors, layersFromConfig(model, weights, notes), notes), model, weights);
  }
  throw notAModel(fail('an HDF5 file, but not a Keras model or weights file: it has no model_config, layer_names or layers group', '/'));
}

export function readKerasH5(source: ModelSource): ModelDescription {
  return readH5(source.name, source.bytes, [], null);
}

/** Is this JSON a Keras model.to_json() architecture? */
export function isKerasArchitecture(json: unknown): boolean {
  return isRecord(json) && typeof json.class_name === 'string' && isRecord(json.config) && ('keras_version' in json || Array.isArray(json.config.layers));
}

/** Weights files a Keras 2 JSON architecture is commonly saved next to, tried in this order. */
function weightCandidates(name: string): string[] {
  const stem = baseName(name).replace(/\.json$/i, '');
  return [`${stem}.h5`, `${stem}.weights.h5`, `${stem}_weights.h5`, `${stem}.hdf5`, 'model.h5', 'weights.h5', 'model.weights.h5'];
}

export async function readKerasJson(source: ModelSource, json: unknown): Promise<ModelDescription> {
  const file = source.name;
  const fail: Fail = (p, w) => new KerasError(file, p, w);
  const model = parseModelConfig(json, fail, 'JSON');
  let candidates = weightCandidates(file);
  const listed = source.listSiblings ? (await source.listSiblings()).filter((n) => /\.(h5|hdf5)$/i.test(n)) : [];
  // A folder with exactly one .h5 besides the JSON: that one, whatever its name.
  if (listed.length === 1 && !candidates.includes(listed[0])) candidates = [...candidates, listed[0]];
  for (const candidate of candidates) {
    const bytes = await source.readSibling(candidate);
    if (!bytes) continue;
    const notes = [`Weights read from ${candidate}, next to the architecture JSON.`];
    try {
      return readH5(file, bytes, notes, model);
    } catch (e) {
      if (e instanceof KerasError) throw new KerasError(file, `${candidate}: ${e.problem}`, e.where);
      throw e;
    }
  }
  throw fail(`a Keras model architecture without weights: none of ${candidates.join(', ')} is next to it`, 'JSON');
}
