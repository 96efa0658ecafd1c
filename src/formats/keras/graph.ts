// A Keras model config as a Graph: one node per layer (opType = the Keras class), inputs = the layers
// that feed it, the config flattened to attributes. Shared by the Keras and TF.js layers-model readers;
// each reader pairs it with a constant() that finds a layer's weights as "<layer>/<variable>".

import type { AttributeValue, Graph, GraphNode, GraphValue, TensorDType } from '../model';
import { CONTAINERS, isRecord, type KerasLayer, type KerasModelConfig } from './config';

/**
 * A config value as an attribute: scalars as they are, lists of numbers (null, an unknown size, as
 * −1) or strings, nested lists of numbers flattened (ZeroPadding2D's ((1, 1), (2, 2))), and a
 * serialized object by what it names: an activation or initializer by its class (or the function's
 * name), a dtype policy by its dtype. Anything else is left out.
 */
function attributeValue(v: unknown): AttributeValue | undefined {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    const flat = v.flat(4);
    if (flat.every((x) => typeof x === 'number' || x === null)) return flat.map((x) => (x === null ? -1 : (x as number)));
    if (v.every((x) => typeof x === 'string')) return v as string[];
    return undefined;
  }
  if (isRecord(v) && typeof v.class_name === 'string') {
    if (v.class_name === 'DTypePolicy' && isRecord(v.config) && typeof v.config.name === 'string') return v.config.name;
    if (v.class_name === 'function' && typeof v.config === 'string') return v.config;
    return v.class_name;
  }
  return undefined;
}

export function layerAttributes(config: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(config)) {
    const a = attributeValue(value);
    if (a !== undefined) out[key] = a;
  }
  return out;
}

const DTYPES = new Set<string>(['float16', 'bfloat16', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string']);

function inputValue(name: string, config: Record<string, unknown>): GraphValue {
  // Keras 3 writes batch_shape, Keras 2 and TF.js batch_input_shape.
  const shape = attributeValue(config.batch_shape ?? config.batch_input_shape);
  const dtype = attributeValue(config.dtype);
  return {
    name,
    dtype: typeof dtype === 'string' && DTYPES.has(dtype) ? (dtype as TensorDType) : 'float32',
    shape: Array.isArray(shape) && shape.every((d) => typeof d === 'number') ? (shape as number[]) : null,
  };
}

/**
 * The model's graph. InputLayers become graph inputs, not nodes. A Sequential model without an
 * InputLayer gets the input Keras gives it, "<first layer>_input", shaped by the first layer's
 * batch_input_shape. Nested models stay as nodes of their class, their layers as "outer/inner" nodes.
 */
export function kerasGraph(model: KerasModelConfig): Graph {
  const inputLayers = model.layers.filter((l) => l.className === 'InputLayer' && !l.name.includes('/'));
  const inputByName = new Map(inputLayers.map((l) => [l.name, l]));
  const ordered = model.inputLayers?.length
    ? model.inputLayers.map((n) => inputByName.get(n)).filter((l): l is KerasLayer => l !== undefined)
    : inputLayers;
  const inputs = ordered.map((l) => inputValue(l.name, l.config));
  const layers = model.layers.filter((l) => l.className !== 'InputLayer' || l.name.includes('/'));
  const first = layers[0];
  let implicitInput: string | null = null;
  if (inputs.length === 0 && model.className === 'Sequential' && first && first.inbound.length === 0) {
    implicitInput = `${first.name}_input`;
    // A nested model first (Teachable Machine's Sequential in a Sequential): the shape is its first layer's.
    const shaped = layers.find((l) => !CONTAINERS.has(l.className)) ?? first;
    inputs.push(inputValue(implicitInput, shaped.config));
  }
  const nodes: GraphNode[] = layers.map((l) => ({
    name: l.name,
    opType: l.className,
    inputs: l === first && implicitInput !== null ? [implicitInput] : l.inbound,
    outputs: [l.name],
    attributes: {
      ...layerAttributes(l.config),
      // A nested model's endpoints, by their prefixed names, for the importer to wire it up.
      ...(l.inputLayers ? { input_layers: l.inputLayers } : {}),
      ...(l.outputLayers ? { output_layers: l.outputLayers } : {}),
    },
  }));
  const topLevel = layers.filter((l) => !l.name.includes('/'));
  const outputNames = model.outputLayers?.length ? model.outputLayers : topLevel.length ? [topLevel[topLevel.length - 1].name] : [];
  const outputs: GraphValue[] = outputNames.map((name) => ({ name, dtype: 'float32', shape: null }));
  return { nodes, inputs, outputs };
}
