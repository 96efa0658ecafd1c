// TF.js reader: a layers-model model.json (a Keras config in modelTopology + weightsManifest; its
// architecture becomes the graph, as for Keras files, with weights as constant("<layer>/<variable>")), a
// graph-model model.json (a GraphDef in JSON; BN appears as FusedBatchNorm/FusedBatchNormV3 nodes
// whose parameters are weights), and a bare weights manifest (*weights_manifest.json).

import type { GraphNode, ModelDescription, NormLayer, TensorInfo } from '../model';
import { TfjsError } from '../errors';
import type { ModelSource } from '../source';
import { groupNormParams, groupNotes, normLayerOf } from '../stateDict';
import { isRecord, neighbours, normSettings, parseModelConfig, weightByLayerPath, type KerasModelConfig } from '../keras/config';
import { kerasGraph } from '../keras/graph';
import { readManifest } from './weights';

type Fail = (problem: string, where?: string) => TfjsError;

export function isTfjsModelJson(json: unknown): boolean {
  return isRecord(json) && ('modelTopology' in json || 'weightsManifest' in json || json.format === 'layers-model' || json.format === 'graph-model');
}

export function isWeightsManifest(json: unknown): boolean {
  return Array.isArray(json) && json.length > 0 && json.every((g) => isRecord(g) && Array.isArray(g.paths) && Array.isArray(g.weights));
}

function description(file: string, variant: string, producer: string | null, tensors: TensorInfo[], normLayers: NormLayer[], notes: string[], nodes: GraphNode[] | null): ModelDescription {
  return { file, format: 'tfjs', variant, producer, producerVersion: null, opset: null, graph: nodes ? { nodes } : null, tensors, normLayers, notes };
}

/**
 * A layer's weight in the manifest: weight names are <layer>/<variable>; some writers put the model's
 * (and nested models') names in front, the converter keeps only the innermost layer's.
 */
function weightFinder(tensors: TensorInfo[]): (layer: string, variable: string) => TensorInfo | null {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  // By the last two parts of the name ("<layer>/<variable>"), the first tensor of each: one lookup per
  // layer instead of a scan of every tensor.
  const byTail = new Map<string, TensorInfo>();
  for (const t of tensors) {
    const parts = t.name.split('/');
    if (parts.length < 3) continue;
    const tail = parts.slice(-2).join('/');
    if (!byTail.has(tail)) byTail.set(tail, t);
  }
  return (layer, variable) => weightByLayerPath(byName, layer, variable) ?? byTail.get(`${layer.split('/').pop()}/${variable}`) ?? null;
}

function layersModel(model: KerasModelConfig, tensors: TensorInfo[], notes: string[]): NormLayer[] {
  const weight = weightFinder(tensors);
  const out: NormLayer[] = [];
  for (const layer of model.layers) {
    const s = normSettings(layer);
    if (!s) continue;
    const find = (w: string): TensorInfo | null => weight(layer.name, w);
    const [gamma, beta, mean, variance] = [find('gamma'), find('beta'), find('moving_mean'), find('moving_variance')];
    const first = gamma ?? mean ?? beta;
    const isBN = s.kind === 'BatchNorm';
    if (!first && (s.center || s.scale || isBN)) notes.push(`${layer.name}: in modelTopology but its weights are not in the manifest.`);
    out.push({
      name: layer.name, kind: s.kind, op: layer.className,
      channels: first ? (first.shape[first.shape.length - 1] ?? null) : null,
      epsilon: s.epsilon, momentum: s.momentum, momentumConvention: isBN ? 'keras' : null,
      affine: s.center || s.scale, center: s.center, scale: s.scale,
      gamma, beta, runningMean: isBN ? mean : null, runningVar: isBN ? variance : null,
      numBatchesTracked: null, training: null,
      ...neighbours(model, layer),
      ...(s.axis !== null ? { axis: s.axis } : {}),
      ...(s.groups !== null ? { groups: s.groups } : {}),
    });
  }
  return out;
}

interface GraphDefNode { name: string; op: string; input: string[]; attr: Record<string, unknown> }

function attrValue(v: unknown): number | string | boolean | null {
  if (!isRecord(v)) return null;
  if (typeof v.f === 'number') return v.f;
  if (typeof v.i === 'string' || typeof v.i === 'number') return Number(v.i);
  if (typeof v.b === 'boolean') return v.b;
  if (typeof v.s === 'string') {
    // GraphDef JSON keeps strings base64-encoded.
    try {
      return atob(v.s);
    } catch {
      return v.s;
    }
  }
  if (typeof v.type === 'string') return v.type;
  return null;
}

function graphModel(topology: unknown, tensors: TensorInfo[], notes: string[], fail: Fail): { layers: NormLayer[]; nodes: GraphNode[] } {
  if (!isRecord(topology) || !Array.isArray(topology.node)) throw fail('a graph model whose modelTopology has no node list', 'modelTopology');
  const raw: GraphDefNode[] = topology.node.map((n, i) => {
    if (!isRecord(n) || typeof n.name !== 'string' || typeof n.op !== 'string') throw fail('a node without name and op', `modelTopology.node[${i}]`);
    return { name: n.name, op: n.op, input: Array.isArray(n.input) ? n.input.filter((x): x is string => typeof x === 'string') : [], attr: isRecord(n.attr) ? n.attr : {} };
  });
  const nodes: GraphNode[] = raw.map((n) => ({
    name: n.name, opType: n.op, inputs: n.input, outputs: [n.name],
    attributes: Object.fromEntries(Object.entries(n.attr).map(([k, v]) => [k, attrValue(v)])),
  }));
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  // Inputs name a node, optionally with ":k" for its k-th output; "^x" is a control dependency.
  const source = (input: string | undefined): string => (input ?? '').replace(/^\^/, '').replace(/:\d+$/, '');
  // Which op types read each node's outputs: built once, so the neighbours of every BN stay linear.
  const consumersOf = new Map<string, Set<string>>();
  for (const c of nodes) {
    for (const i of c.inputs) {
      const from = source(i);
      const set = consumersOf.get(from) ?? new Set<string>();
      set.add(c.opType);
      consumersOf.set(from, set);
    }
  }
  const layers: NormLayer[] = [];
  for (const n of nodes) {
    if (n.opType !== 'FusedBatchNorm' && n.opType !== 'FusedBatchNormV2' && n.opType !== 'FusedBatchNormV3') continue;
    const param = (k: number): TensorInfo | null => byName.get(source(n.inputs[k])) ?? null;
    const gamma = param(1);
    const epsilon = typeof n.attributes.epsilon === 'number' ? n.attributes.epsilon : 1e-4; // TF's default
    layers.push({
      name: n.name, kind: 'BatchNorm', op: n.opType,
      channels: gamma && gamma.shape.length === 1 ? gamma.shape[0] : null,
      epsilon, momentum: null, momentumConvention: 'keras',
      affine: true, center: true, scale: true,
      gamma, beta: param(2), runningMean: param(3), runningVar: param(4), numBatchesTracked: null,
      training: typeof n.attributes.is_training === 'boolean' ? n.attributes.is_training : null,
      after: nodeByName.get(source(n.inputs[0]))?.opType ?? null,
      before: [...(consumersOf.get(n.name) ?? [])].join(',') || null,
    });
  }
  if (layers.length === 0 && nodes.some((n) => n.opType === '_FusedConv2D' || n.opType === 'FusedDepthwiseConv2dNative')) {
    notes.push('No FusedBatchNorm nodes, but fused convolutions: the converter probably folded BatchNorm into the convolution weights.');
  }
  return { layers, nodes };
}

export async function readTfjsModel(source: ModelSource, json: unknown): Promise<ModelDescription> {
  const file = source.name;
  const fail: Fail = (p, w) => new TfjsError(file, p, w);
  if (!isRecord(json)) throw fail('model.json is not a JSON object', 'JSON');
  const tensors = json.weightsManifest === undefined ? [] : await readManifest(source, json.weightsManifest, fail, 'weightsManifest');
  const producer = typeof json.generatedBy === 'string' ? json.generatedBy : typeof json.convertedBy === 'string' ? json.convertedBy : null;
  const topology = json.modelTopology;
  const isGraph = json.format === 'graph-model' || (isRecord(topology) && Array.isArray(topology.node));
  const notes: string[] = [];
  if (topology === undefined || topology === null) {
    const groups = groupNormParams(tensors);
    notes.push('model.json has no modelTopology: layers are recognized from weight names, epsilon and momentum are unknown.', ...groupNotes(groups));
    return description(file, 'tfjs-weights', producer, tensors, groups.map((g) => normLayerOf(g, g.kind)), notes, null);
  }
  if (isGraph) {
    const { layers, nodes } = graphModel(topology, tensors, notes, fail);
    return description(file, 'tfjs-graph-model', producer, tensors, layers, notes, nodes);
  }
  // tfjs-converter nests the Keras config under model_config; tfjs-layers' own save does not.
  const config = isRecord(topology) && isRecord(topology.model_config) ? topology.model_config : topology;
  const model = parseModelConfig(config, fail, 'modelTopology');
  const d = description(file, 'tfjs-layers-model', producer, tensors, layersModel(model, tensors, notes), notes, null);
  const weight = weightFinder(tensors);
  // constant("<layer>/<variable>"): the layer name may hold "/" (nested models), the variable does not.
  const constant = (name: string): TensorInfo | null => {
    const cut = name.lastIndexOf('/');
    return cut > 0 ? weight(name.slice(0, cut), name.slice(cut + 1)) : null;
  };
  return { ...d, graph: kerasGraph(model), constant };
}

export async function readTfjsManifest(source: ModelSource, json: unknown): Promise<ModelDescription> {
  const fail: Fail = (p, w) => new TfjsError(source.name, p, w);
  const tensors = await readManifest(source, json, fail, 'manifest');
  const groups = groupNormParams(tensors);
  const notes = ['A bare weights manifest: layers are recognized from weight names, epsilon and momentum are unknown.', ...groupNotes(groups)];
  return description(source.name, 'tfjs-weights-manifest', null, tensors, groups.map((g) => normLayerOf(g, g.kind)), notes, null);
}
