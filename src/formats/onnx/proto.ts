// The parts of onnx.proto that BN Lens reads, walked field by field (field numbers from onnx.proto3).
// Tensor data is never decoded here: raw_data and the packed typed fields stay views into the file
// until a TensorInfo's values() asks for them, so opening a model costs time and memory in proportion
// to its graph, not its weights.

import type { ErrorFactory } from '../errors';
import { WIRE_BYTES, WireReader, type Field } from '../protobuf';

/** Varint-typed repeated data (int32_data, int64_data, uint64_data): packed runs and loose values. */
export type VarintData = Array<Uint8Array | number>;

export interface OnnxTensor {
  readonly name: string;
  readonly dataType: number;
  readonly dims: number[];
  readonly rawData: Uint8Array | null;
  /** float_data (fixed32) and double_data (fixed64) as raw little-endian runs. */
  readonly floatData: Uint8Array[];
  readonly doubleData: Uint8Array[];
  readonly int32Data: VarintData;
  readonly int64Data: VarintData;
  readonly uint64Data: VarintData;
  readonly dataLocation: number;
  /** external_data key/value pairs: location, offset, length, checksum. */
  readonly externalData: Map<string, string>;
  /** Where the tensor is in the file, e.g. "graph.initializer[3]". */
  readonly where: string;
}

export const DATA_LOCATION_EXTERNAL = 1;

export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
  TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f: number | null;
  readonly i: number | null;
  readonly s: Uint8Array | null;
  readonly t: OnnxTensor | null;
  readonly floats: number[];
  readonly ints: number[];
  readonly strings: Uint8Array[];
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  readonly name: string;
  /** TensorProto.DataType of a tensor type, 0 when not a tensor or not given. */
  readonly elemType: number;
  /** -1 for a symbolic or missing dimension; null when the shape is not given at all. */
  readonly shape: number[] | null;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
  readonly inputs: OnnxValueInfo[];
  readonly outputs: OnnxValueInfo[];
  readonly valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly opsets: { domain: string; version: number }[];
  readonly graph: OnnxGraph | null;
}

export function parseTensor(r: WireReader): OnnxTensor {
  let name = '';
  let dataType = 0;
  const dims: number[] = [];
  let rawData: Uint8Array | null = null;
  const floatData: Uint8Array[] = [];
  const doubleData: Uint8Array[] = [];
  const int32Data: VarintData = [];
  const int64Data: VarintData = [];
  const uint64Data: VarintData = [];
  let dataLocation = 0;
  const externalData = new Map<string, string>();
  const varints = (f: Field, into: VarintData): void => {
    into.push(f.wireType === WIRE_BYTES ? r.bytesField(f) : r.varint(f));
  };
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: r.repeatedVarints(f, dims); break;
      case 2: dataType = r.varint(f); break;
      case 4: floatData.push(r.fixedRaw(f, 4)); break;
      case 5: varints(f, int32Data); break;
      case 7: varints(f, int64Data); break;
      case 8: name = r.string(f); break;
      case 9: rawData = r.bytesField(f); break;
      case 10: doubleData.push(r.fixedRaw(f, 8)); break;
      case 11: varints(f, uint64Data); break;
      case 13: {
        const entry = r.message(f, `${r.where}.external_data`);
        let key = '';
        let value = '';
        for (let e = entry.next(); e; e = entry.next()) {
          if (e.number === 1) key = entry.string(e);
          else if (e.number === 2) value = entry.string(e);
          else entry.skip(e);
        }
        externalData.set(key, value);
        break;
      }
      case 14: dataLocation = r.varint(f); break;
      default: r.skip(f);
    }
  }
  return { name, dataType, dims, rawData, floatData, doubleData, int32Data, int64Data, uint64Data, dataLocation, externalData, where: r.where };
}

/** Old files (IR version 1) leave AttributeProto.type out; the field that is set tells it. */
function inferAttributeType(a: Omit<OnnxAttribute, 'type'>): number {
  if (a.f !== null) return AttributeType.FLOAT;
  if (a.i !== null) return AttributeType.INT;
  if (a.s !== null) return AttributeType.STRING;
  if (a.t !== null) return AttributeType.TENSOR;
  if (a.floats.length) return AttributeType.FLOATS;
  if (a.ints.length) return AttributeType.INTS;
  if (a.strings.length) return AttributeType.STRINGS;
  return AttributeType.UNDEFINED;
}

function parseAttribute(r: WireReader): OnnxAttribute {
  let name = '';
  let type = 0;
  let f: number | null = null;
  let i: number | null = null;
  let s: Uint8Array | null = null;
  let t: OnnxTensor | null = null;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: Uint8Array[] = [];
  for (let fld = r.next(); fld; fld = r.next()) {
    switch (fld.number) {
      case 1: name = r.string(fld); break;
      case 2: f = r.float(fld); break;
      case 3: i = r.varint(fld); break;
      case 4: s = r.bytesField(fld); break;
      case 5: t = parseTensor(r.message(fld, `${r.where}.t`)); break;
      case 7: {
        const run = r.fixedRaw(fld, 4);
        const view = new DataView(run.buffer, run.byteOffset, run.byteLength - (run.byteLength % 4));
        for (let k = 0; k < view.byteLength; k += 4) floats.push(view.getFloat32(k, true));
        break;
      }
      case 8: r.repeatedVarints(fld, ints); break;
      case 9: strings.push(r.bytesField(fld)); break;
      case 20: type = r.varint(fld); break;
      default: r.skip(fld); // subgraphs, sparse tensors and type protos hold no BN parameters
    }
  }
  const parsed = { name, f, i, s, t, floats, ints, strings };
  return { ...parsed, type: type || inferAttributeType(parsed) };
}

function parseNode(r: WireReader): OnnxNode {
  let name = '';
  let opType = '';
  let domain = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: OnnxAttribute[] = [];
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: inputs.push(r.string(f)); break;
      case 2: outputs.push(r.string(f)); break;
      case 3: name = r.string(f); break;
      case 4: opType = r.string(f); break;
      case 5: attributes.push(parseAttribute(r.message(f, `${r.where}.attribute[${attributes.length}]`))); break;
      case 7: domain = r.string(f); break;
      default: r.skip(f);
    }
  }
  return { name, opType, domain, inputs, outputs, attributes };
}

function parseShape(r: WireReader): number[] {
  const dims: number[] = [];
  for (let f = r.next(); f; f = r.next()) {
    if (f.number !== 1) { r.skip(f); continue; }
    const dim = r.message(f, r.where);
    let value = -1;
    for (let d = dim.next(); d; d = dim.next()) {
      if (d.number === 1) value = dim.varint(d);
      else dim.skip(d);
    }
    dims.push(value);
  }
  return dims;
}

function parseValueInfo(r: WireReader): OnnxValueInfo {
  let name = '';
  let elemType = 0;
  let shape: number[] | null = null;
  for (let f = r.next(); f; f = r.next()) {
    if (f.number === 1) { name = r.string(f); continue; }
    if (f.number !== 2) { r.skip(f); continue; }
    const type = r.message(f, `${r.where}.type`);
    for (let t = type.next(); t; t = type.next()) {
      if (t.number !== 1) { type.skip(t); continue; } // only tensor types carry a shape we use
      const tensorType = type.message(t, `${r.where}.type.tensor_type`);
      for (let u = tensorType.next(); u; u = tensorType.next()) {
        if (u.number === 1) elemType = tensorType.varint(u);
        else if (u.number === 2) shape = parseShape(tensorType.message(u, `${r.where}.type.tensor_type.shape`));
        else tensorType.skip(u);
      }
    }
  }
  return { name, elemType, shape };
}

function parseGraph(r: WireReader): OnnxGraph {
  let name = '';
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const valueInfo: OnnxValueInfo[] = [];
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: nodes.push(parseNode(r.message(f, `graph.node[${nodes.length}]`))); break;
      case 2: name = r.string(f); break;
      case 5: initializers.push(parseTensor(r.message(f, `graph.initializer[${initializers.length}]`))); break;
      case 11: inputs.push(parseValueInfo(r.message(f, `graph.input[${inputs.length}]`))); break;
      case 12: outputs.push(parseValueInfo(r.message(f, `graph.output[${outputs.length}]`))); break;
      case 13: valueInfo.push(parseValueInfo(r.message(f, `graph.value_info[${valueInfo.length}]`))); break;
      default: r.skip(f);
    }
  }
  return { name, nodes, initializers, inputs, outputs, valueInfo };
}

export function parseModel(bytes: Uint8Array, fail: ErrorFactory): OnnxModel {
  const r = new WireReader(bytes, fail, 'ModelProto');
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  const opsets: { domain: string; version: number }[] = [];
  let graph: OnnxGraph | null = null;
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: irVersion = r.varint(f); break;
      case 2: producerName = r.string(f); break;
      case 3: producerVersion = r.string(f); break;
      case 7: graph = parseGraph(r.message(f, 'graph')); break;
      case 8: {
        const o = r.message(f, `opset_import[${opsets.length}]`);
        let domain = '';
        let version = 0;
        for (let g = o.next(); g; g = o.next()) {
          if (g.number === 1) domain = o.string(g);
          else if (g.number === 2) version = o.varint(g);
          else o.skip(g);
        }
        opsets.push({ domain, version });
        break;
      }
      default: r.skip(f);
    }
  }
  return { irVersion, producerName, producerVersion, opsets, graph };
}
