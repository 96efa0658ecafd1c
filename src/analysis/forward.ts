// The forward pass: a model read from a file, through the engine, on given inputs, keeping every
// normalization layer's input and output: what `bnlens forward` prints and writes.

import type { Tensor } from '../engine/tensor';
import { isNormalizationLayer } from '../engine/norm/normalization';
import type { ModelDescription } from '../formats/model';
import { ImportError } from './import/common';
import { importModel } from './import';
import { summarizeTensor, type TensorStatistics } from './tensorStatistics';

export interface LayerActivations {
  readonly name: string;
  readonly input: Tensor;
  readonly output: Tensor;
  readonly inputStats: TensorStatistics;
  readonly outputStats: TensorStatistics;
}

export interface ForwardResult {
  readonly outputName: string;
  readonly output: Tensor;
  readonly layers: readonly LayerActivations[];
}

/** Which statistics normalization uses: the stored running statistics ('eval') or the batch's ('train'). */
export type NormMode = 'eval' | 'train';

export function forwardPass(description: ModelDescription, inputs: ReadonlyMap<string, Tensor>, mode: NormMode): ForwardResult {
  const imported = importModel(description);
  const { model } = imported;
  const given: Record<string, Tensor> = {};
  const missing = model.inputNames.filter((name) => !inputs.has(name));
  if (missing.length === model.inputNames.length && inputs.size === 1 && model.inputNames.length === 1) {
    // One array for a one-input model: its name does not matter.
    given[model.inputNames[0]] = [...inputs.values()][0];
  } else if (missing.length) {
    throw new ImportError(description.file, `the model needs input(s) ${missing.map((m) => `'${m}'`).join(', ')}; given ${[...inputs.keys()].map((k) => `'${k}'`).join(', ') || 'none'}`);
  } else {
    for (const name of model.inputNames) given[name] = inputs.get(name) as Tensor;
  }
  const layers: LayerActivations[] = [];
  model.observer = (name, layer, layerInputs, output) => {
    if (!isNormalizationLayer(layer)) return;
    const input = layerInputs[0];
    const axis = layer.channelAxis(input.rank);
    layers.push({ name, input, output, inputStats: summarizeTensor(input, axis), outputStats: summarizeTensor(output, axis) });
  };
  if (mode === 'train') model.train();
  else model.eval();
  const output = model.forward(given);
  model.observer = undefined;
  return { outputName: imported.outputName, output, layers };
}
