// Records what normalization does during training: for each selected layer, statistics of its input
// (pre-normalization) and output (post-normalization), the layer's batch and running statistics and γ,
// β, and after backward the gradient norms of every layer's parameters. It knows nothing of the model
// class: it is an observer with the signature (layerName, layer, inputs, output), and a model attaches
// it like this (Model from src/engine/model has the `observer` slot):
//
//   const recorder = new ActivationRecorder();
//   model.observer = recorder.observer;
//   // each training step:
//   recorder.beginStep(step);
//   optimizer.zeroGrad(); const out = model.forward(x); model.backward(lossGradient(out));
//   recorder.recordGradients(model.nodes);          // after backward, before the optimizer step
//   optimizer.step();
//   const record = recorder.endStep();              // StepRecord, or undefined on unrecorded steps
//   if (record) port.postMessage(record, transferList(record));
//
// Cost: only a fixed sample of samplesPerChannel positions per channel is read (see sampling.ts), so
// at the defaults a [32, 64, 56, 56] BatchNorm step pays for 64 × 1024 of its 6.4 M values per tensor.

import type { Layer, Parameter } from '../layer';
import { resolveAxis } from '../norm/layout';
import { isNormalizationLayer, type NormalizationLayer } from '../norm/normalization';
import type { Tensor } from '../tensor';
import { gather, planSample, sameShape, type SamplePlan } from './sampling';
import { histogramEdges, summarize, type SaturationRule } from './summary';
import type { GradientRecord, LayerRecord, NormalizationState, StepRecord, TensorSummary } from './types';

export type TensorRole = 'input' | 'output';

/** Called after each layer's forward(); the same signature as Model's LayerObserver. */
export type ForwardObserver = (layerName: string, layer: Layer, inputs: readonly Tensor[], output: Tensor) => void;

export interface RecorderOptions {
  /** Layers whose input and output are summarized. Default: normalization layers. */
  select?: (layerName: string, layer: Layer) => boolean;
  /** Record the steps whose number is a multiple of this. Default 1 (every step). */
  everySteps?: number;
  /** Positions sampled per channel (all of them when a channel has fewer). Default 1024. */
  samplesPerChannel?: number;
  /** Histogram bins. Default 64. */
  bins?: number;
  /** Saturation rule per tensor. Default { kind: 'magnitude', threshold: 3 }. */
  saturation?: (layerName: string, layer: Layer, role: TensorRole) => SaturationRule;
  /**
   * Channel axis of a recorded layer that is not a normalization layer (those say themselves), or
   * undefined for none; negative counts from the end. Default: axis 1 (NC…) for rank ≥ 2; a
   * channels-last model should give -1.
   */
  channelAxis?: (layerName: string, layer: Layer, rank: number) => number | undefined;
  /** Seed of the sampled positions. Default 0. */
  seed?: number;
}

const DEFAULT_SATURATION: SaturationRule = { kind: 'magnitude', threshold: 3 };

interface TensorState {
  plan: SamplePlan;
  /** Fixed at the tensor's first recorded step. */
  edges: Float64Array | undefined;
}

/** FNV-1a, to give each recorded tensor its own sampling seed independent of the order layers run in. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function copy(values: ArrayLike<number> | undefined): Float64Array | undefined {
  return values ? Float64Array.from(values) : undefined;
}

export class ActivationRecorder {
  private readonly select: (layerName: string, layer: Layer) => boolean;
  private readonly everySteps: number;
  private readonly samplesPerChannel: number;
  private readonly bins: number;
  private readonly saturation: (layerName: string, layer: Layer, role: TensorRole) => SaturationRule;
  private readonly channelAxisOf: (layerName: string, layer: Layer, rank: number) => number | undefined;
  private readonly seed: number;
  private readonly tensors = new Map<string, TensorState>();
  private step: number | undefined;
  private layers = new Map<string, LayerRecord>();
  private gradients: GradientRecord[] = [];

  constructor(options: RecorderOptions = {}) {
    this.select = options.select ?? ((_, layer) => isNormalizationLayer(layer));
    this.everySteps = options.everySteps ?? 1;
    this.samplesPerChannel = options.samplesPerChannel ?? 1024;
    this.bins = options.bins ?? 64;
    this.saturation = options.saturation ?? (() => DEFAULT_SATURATION);
    this.channelAxisOf = options.channelAxis ?? ((_, __, rank) => (rank >= 2 ? 1 : undefined));
    this.seed = options.seed ?? 0;
    if (!(Number.isInteger(this.everySteps) && this.everySteps >= 1)) throw new RangeError(`everySteps must be a positive integer, got ${this.everySteps}`);
    if (!(Number.isInteger(this.samplesPerChannel) && this.samplesPerChannel >= 1)) throw new RangeError(`samplesPerChannel must be a positive integer, got ${this.samplesPerChannel}`);
    if (!(Number.isInteger(this.bins) && this.bins >= 1)) throw new RangeError(`bins must be a positive integer, got ${this.bins}`);
  }

  /** Opens a step; returns whether it is recorded (step is a multiple of everySteps). */
  beginStep(step: number): boolean {
    this.layers = new Map();
    this.gradients = [];
    this.step = step % this.everySteps === 0 ? step : undefined;
    return this.step !== undefined;
  }

  /** The forward hook (an arrow function, so it can be handed over as is). A layer run twice in a step keeps its last call. */
  readonly observer: ForwardObserver = (layerName, layer, inputs, output) => {
    if (this.step === undefined || inputs.length === 0 || !this.select(layerName, layer)) return;
    const axis = (rank: number): number => {
      const a = isNormalizationLayer(layer) ? layer.channelAxis(rank) : this.channelAxisOf(layerName, layer, rank);
      return a === undefined ? -1 : resolveAxis(a, rank);
    };
    const record: LayerRecord = {
      layerName,
      kind: layer.kind,
      input: this.summarize(layerName, layer, 'input', inputs[0], axis(inputs[0].rank)),
      output: this.summarize(layerName, layer, 'output', output, axis(output.rank)),
      normalization: isNormalizationLayer(layer) ? normalizationState(layer) : undefined,
    };
    this.layers.delete(layerName);
    this.layers.set(layerName, record);
  };

  /** L2 norms of every trainable parameter's gradient; call after backward() and before the optimizer step. */
  recordGradients(nodes: Iterable<{ readonly name: string; readonly layer: Layer }>): void {
    if (this.step === undefined) return;
    for (const { name, layer } of nodes) {
      const parameters = layer.parameters().filter((p) => p.trainable);
      if (parameters.length > 0) this.gradients.push({ layerName: name, parameters: parameters.map((p) => p.name), l2: Float64Array.from(parameters, l2Norm) });
    }
  }

  /** Closes the step: its record, or undefined when the step was not recorded. */
  endStep(): StepRecord | undefined {
    const step = this.step;
    this.step = undefined;
    if (step === undefined) return undefined;
    return { step, layers: [...this.layers.values()], gradients: this.gradients };
  }

  private summarize(layerName: string, layer: Layer, role: TensorRole, t: Tensor, channelAxis: number): TensorSummary {
    const key = `${layerName}\u0000${role}`;
    let state = this.tensors.get(key);
    if (!state || !sameShape(state.plan.shape, t.shape) || state.plan.channelAxis !== channelAxis) {
      const plan = planSample(t.shape, channelAxis, this.samplesPerChannel, (this.seed ^ hash(key)) >>> 0);
      state = { plan, edges: state?.edges };
      this.tensors.set(key, state);
    }
    const values = gather(t.data, state.plan);
    state.edges ??= histogramEdges(values, this.bins);
    return summarize(state.plan, state.edges, this.saturation(layerName, layer, role));
  }
}

function l2Norm(p: Parameter): number {
  const g = p.grad.data;
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.sqrt(sum);
}

function normalizationState(layer: NormalizationLayer): NormalizationState {
  const batch = layer.batchStatistics();
  const running = layer.runningStatistics();
  return {
    batchMean: batch?.mean,
    batchVariance: batch?.variance,
    runningMean: running?.mean,
    runningVariance: running?.variance,
    gamma: copy(layer.gamma?.value.data),
    beta: copy(layer.beta?.value.data),
  };
}
