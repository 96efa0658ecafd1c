// ONNX reader: a ModelProto's bytes → ModelDescription. The protobuf is walked by field number
// (./proto), tensors stay undecoded views (./tensor), external data files are loaded through the
// source. Normalization nodes are found with their parameters, whether those are initializers, graph
// inputs, or the outputs of Constant, ConstantOfShape or Identity nodes.

import type { AttributeValue, Graph, GraphNode, GraphValue, ModelDescription, NormLayer, TensorInfo } from '../model';
import { OnnxError } from '../errors';
import { baseName, readSiblingChecked, type ModelSource } from '../source';
import { hexHead } from '../tensor';
import { AttributeType, DATA_LOCATION_EXTERNAL, parseModel, type OnnxAttribute, type OnnxGraph, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './proto';
import { onnxDType, onnxTensorInfo, type ExternalFiles } from './tensor';
import { tensorResolver } from './constants';
import { normLayersOf } from './norm';

/**
 * A cheap look at the first bytes: a serialized ModelProto starts with field 1 (ir_version, a varint,
 * tag byte 0x08) in every file written by the ONNX tools, followed by a small version number.
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] <= 20;
}

const utf8 = new TextDecoder();

function attributeValue(a: OnnxAttribute): AttributeValue {
  switch (a.type) {
    case AttributeType.FLOAT: return a.f ?? 0;
    case AttributeType.INT: return a.i ?? 0;
    case AttributeType.STRING: return utf8.decode(a.s ?? new Uint8Array());
    case AttributeType.FLOATS: return a.floats;
    case AttributeType.INTS: return a.ints;
    case AttributeType.STRINGS: return a.strings.map((s) => utf8.decode(s));
    default: return null; // tensors, graphs and type protos are not shown as attribute values
  }
}

async function loadExternalFiles(source: ModelSource, graph: OnnxGraph): Promise<ExternalFiles> {
  const files = new Map<string, Uint8Array>();
  const tensors = [...graph.initializers, ...graph.nodes.flatMap((n) => n.attributes.flatMap((a) => (a.t ? [a.t] : [])))];
  for (const t of tensors) {
    if (t.dataLocation !== DATA_LOCATION_EXTERNAL) continue;
    const location = t.externalData.get('location') ?? '';
    if (files.has(location)) continue;
    // Only files inside the model's folder may be read, as the ONNX checker demands: no absolute
    // locations, no "..", and (checked by the source) no symbolic link leading out.
    const data = await readSiblingChecked(source, location, (p, w) => new OnnxError(source.name, p, w), 'external data location', t.where);
    if (!data) {
      throw new OnnxError(source.name, `tensor '${t.name}' keeps its data in the external file '${location}', which is not next to ${baseName(source.name)}`, t.where);
    }
    files.set(location, data);
  }
  return files;
}

function graphValue(v: OnnxValueInfo): GraphValue {
  return { name: v.name, dtype: onnxDType(v.elemType), shape: v.shape };
}

/**
 * Tensor-valued attributes the importer may need (a ConstantOfShape's fill value). One whose sizes do
 * not check out is left out here: the file stays readable, and an importer asking for it says so.
 */
function tensorAttributes(file: string, attributes: readonly OnnxAttribute[], external: ExternalFiles): Record<string, TensorInfo> {
  const out: Record<string, TensorInfo> = {};
  for (const a of attributes) {
    try {
      out[a.name] = onnxTensorInfo(file, a.t as OnnxTensor, external);
    } catch (e) {
      if (!(e instanceof OnnxError)) throw e;
    }
  }
  return out;
}

function graphOf(file: string, graph: OnnxGraph, external: ExternalFiles): Graph {
  const initializerNames = new Set(graph.initializers.map((t) => t.name));
  const nodes: GraphNode[] = graph.nodes.map((n, i) => {
    const tensors = n.attributes.filter((a) => a.type === AttributeType.TENSOR && a.t);
    return {
      name: n.name || `${n.opType || 'node'}_${i}`,
      opType: n.opType,
      inputs: n.inputs,
      outputs: n.outputs,
      attributes: Object.fromEntries(n.attributes.map((a) => [a.name, attributeValue(a)])),
      ...(tensors.length ? { tensorAttributes: tensorAttributes(file, tensors, external) } : {}),
    };
  });
  return {
    nodes,
    // IR versions before 4 list every initializer among the inputs too; those are weights, not inputs.
    inputs: graph.inputs.filter((v) => !initializerNames.has(v.name)).map(graphValue),
    outputs: graph.outputs.map(graphValue),
  };
}

function defaultOpset(model: OnnxModel): number | null {
  const own = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (own) return own.version;
  // opset_import came with IR version 3; older models are opset 1 by definition.
  return model.irVersion > 0 && model.irVersion < 3 ? 1 : null;
}

function decode(file: string, bytes: Uint8Array): OnnxModel {
  if (!looksLikeOnnx(bytes)) {
    throw new OnnxError(file, `not an ONNX model: a ModelProto starts with the ir_version field (byte 0x08), this file starts with ${hexHead(bytes)}`, 'byte 0');
  }
  return parseModel(bytes, (problem, where) => new OnnxError(file, problem, where));
}

/** BN folded into the preceding Conv by an exporter leaves no BN node, only Convs that gained a bias. */
function foldedNote(graph: OnnxGraph, normLayers: readonly NormLayer[]): string[] {
  if (normLayers.length > 0) return [];
  const convsWithBias = graph.nodes.filter((n) => n.opType === 'Conv' && n.inputs.length >= 3 && n.inputs[2]).length;
  if (convsWithBias === 0) return [];
  return [`No normalization nodes, but ${convsWithBias} Conv node(s) with a bias: BatchNorm was probably folded into the convolutions when the model was exported (torch.onnx.export does this in eval mode, even with do_constant_folding=False).`];
}

export async function readOnnx(source: ModelSource): Promise<ModelDescription> {
  const file = source.name;
  const model = decode(file, source.bytes);
  const graph = model.graph;
  if (!graph) throw new OnnxError(file, 'the model has no graph', 'ModelProto.graph');
  const external = await loadExternalFiles(source, graph);
  const opset = defaultOpset(model);

  const tensors: TensorInfo[] = graph.initializers.map((t) => onnxTensorInfo(file, t, external));
  const resolve = tensorResolver(file, graph, new Map(tensors.map((t) => [t.name, t])), external);
  const description = graphOf(file, graph, external);
  const { layers, notes } = normLayersOf(description.nodes, graph, resolve, opset);
  return {
    file,
    format: 'onnx',
    variant: 'onnx',
    producer: model.producerName || null,
    producerVersion: model.producerVersion || null,
    opset,
    graph: description,
    tensors,
    normLayers: layers,
    notes: [...notes, ...foldedNote(graph, layers)],
    constant: resolve,
  };
}
