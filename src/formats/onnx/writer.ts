// Writing a changed copy of an ONNX model: the same ModelProto with some initializers' values
// replaced (e.g. recalibrated BatchNorm running statistics). onnx-proto re-encodes the whole message;
// the original file is never touched.

import { onnx } from 'onnx-proto';
import { OnnxError } from '../errors';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;

/** The model with each named initializer's values replaced; every name must be a float32 or float64 initializer of the same size. */
export function replaceInitializers(file: string, bytes: Uint8Array, replacements: ReadonlyMap<string, Float32Array | Float64Array>): Uint8Array {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxError(file, `the model could not be decoded for writing (${e instanceof Error ? e.message : String(e)})`);
  }
  const initializers = model.graph?.initializer ?? [];
  for (const [name, values] of replacements) {
    const index = initializers.findIndex((t) => t.name === name);
    const where = `graph.initializer '${name}'`;
    if (index < 0) throw new OnnxError(file, `'${name}' is not an initializer (it is fed as an input or computed by a node), so its values cannot be replaced in the file`, where);
    const t = initializers[index];
    const count = (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
    if (count !== values.length) throw new OnnxError(file, `'${name}' holds ${count} values, the replacement has ${values.length}`, where);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw new OnnxError(file, `'${name}' keeps its data in an external file; BN Lens writes only tensors stored in the model`, where);
    if (t.dataType !== FLOAT && t.dataType !== DOUBLE) throw new OnnxError(file, `'${name}' has data type ${t.dataType}; BN Lens writes float32 and float64 tensors only`, where);
    const typed = t.dataType === FLOAT ? Float32Array.from(values) : Float64Array.from(values);
    // Raw little-endian bytes, the encoding exporters use; the typed fields are cleared so only one holds data.
    const raw = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    initializers[index] = onnx.TensorProto.create({ ...t, rawData: raw, floatData: [], doubleData: [] });
  }
  return onnx.ModelProto.encode(model).finish();
}
