// Anomaly checks over a model's normalization layers: each finding is one sentence with its numbers,
// linked to its layer. They read the file's values only (nothing is run), so they are safe anywhere.

import type { FormatId, ModelDescription } from '../formats/model';
import { effectiveAffine } from '../shared/effectiveAffine';
import type { LayerSummary, ModelSummary } from './inventory';

export type AnomalyCode =
  | 'gamma-near-zero'
  | 'running-var-too-small'
  | 'not-finite'
  | 'extreme-effective-scale'
  | 'epsilon-not-default'
  | 'epsilon-inconsistent'
  | 'momentum-convention'
  | 'after-activation'
  | 'training-mode'
  | 'bn-folded'
  | 'no-batches-tracked'
  | 'statistics-at-init';

export type Severity = 'warning' | 'info';

export interface Anomaly {
  /** The layer's name, or null for a finding about the whole model. */
  readonly layer: string | null;
  readonly code: AnomalyCode;
  readonly severity: Severity;
  readonly message: string;
  /** The channels concerned, where the finding is per channel. */
  readonly channels?: readonly number[];
}

/** |γ| below this fraction of the layer's median |γ| counts as near zero (a dead or pruned channel). */
export const NEAR_ZERO_GAMMA_FRACTION = 1e-2;
/** An effective inference gain |γ|/√(var+ε) above this amplifies a channel more than is plausible. */
export const EXTREME_EFFECTIVE_SCALE = 1e3;

/** Each framework's default ε for BatchNormalization. */
const DEFAULT_EPSILON: Partial<Record<FormatId, number>> = {
  onnx: 1e-5,
  pytorch: 1e-5,
  safetensors: 1e-5,
  keras: 1e-3,
  tfjs: 1e-3,
};

const ACTIVATIONS = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Gelu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Clip', 'PRelu',
  'ReLU', 'LeakyReLU', 'ReLU6', 'SiLU', 'Swish', 'Mish', 'Activation', 'relu', 'relu6', 'sigmoid', 'tanh', 'gelu', 'silu', 'swish', 'elu', 'selu',
]);

const fmt = (x: number): string => Number(x.toPrecision(3)).toString();

function listChannels(channels: number[]): string {
  const shown = channels.slice(0, 8).join(', ');
  return channels.length > 8 ? `${shown} and ${channels.length - 8} more` : shown;
}

function median(values: Float32Array): number {
  const sorted = Float32Array.from(values, Math.abs).sort();
  return sorted.length ? sorted[sorted.length >> 1] : 0;
}

function layerAnomalies(layer: LayerSummary, format: FormatId): Anomaly[] {
  const found: Anomaly[] = [];
  const add = (code: AnomalyCode, severity: Severity, message: string, channels?: number[]): void => {
    found.push({ layer: layer.name, code, severity, message, ...(channels ? { channels } : {}) });
  };
  const { gamma, beta, runningMean, runningVar, epsilon } = layer;

  const nonFinite = new Set<number>();
  for (const arr of [gamma, beta, runningMean, runningVar]) {
    arr?.forEach((v, c) => { if (!Number.isFinite(v)) nonFinite.add(c); });
  }
  if (nonFinite.size) {
    const channels = [...nonFinite].sort((a, b) => a - b);
    add('not-finite', 'warning', `${channels.length} channel(s) hold NaN or infinite parameters or statistics (channels ${listChannels(channels)}); the layer's output is not finite there.`, channels);
  }

  if (gamma && gamma.length > 1) {
    const threshold = NEAR_ZERO_GAMMA_FRACTION * median(gamma);
    const dead: number[] = [];
    gamma.forEach((g, c) => { if (Math.abs(g) <= threshold) dead.push(c); });
    if (dead.length && dead.length < gamma.length) {
      add('gamma-near-zero', 'warning', `${dead.length} of ${gamma.length} channels have |γ| ≤ ${fmt(threshold)} (1% of the layer's median |γ|): channels ${listChannels(dead)} are effectively switched off (dead or pruned).`, dead);
    }
  }

  if (runningVar && epsilon !== null) {
    const tiny: number[] = [];
    runningVar.forEach((v, c) => { if (Number.isFinite(v) && v <= epsilon) tiny.push(c); });
    if (tiny.length) {
      add('running-var-too-small', 'warning', `${tiny.length} channel(s) have running variance ≤ ε = ${fmt(epsilon)} (channels ${listChannels(tiny)}, smallest ${fmt(Math.min(...tiny.map((c) => runningVar[c])))}): at inference ε dominates and the channel's scale is set by ε, not the data.`, tiny);
    }
  }

  const affine = effectiveAffine(layer);
  if (affine) {
    const extreme: number[] = [];
    affine.scale.forEach((s, c) => { if (Number.isFinite(s) && Math.abs(s) > EXTREME_EFFECTIVE_SCALE) extreme.push(c); });
    if (extreme.length) {
      const largest = Math.max(...extreme.map((c) => Math.abs(affine.scale[c])));
      add('extreme-effective-scale', 'warning', `${extreme.length} channel(s) multiply their input by more than ${fmt(EXTREME_EFFECTIVE_SCALE)} at inference (|γ|/√(var+ε) up to ${fmt(largest)}, channels ${listChannels(extreme)}): small input shifts become large output jumps.`, extreme);
    }
  }

  if (layer.kind === 'BatchNorm') {
    const expected = DEFAULT_EPSILON[format];
    if (epsilon !== null && expected !== undefined && Math.abs(epsilon - expected) > expected * 1e-3) {
      add('epsilon-not-default', 'info', `ε is ${fmt(epsilon)}, not ${format}'s default ${fmt(expected)}: if this model was converted from another framework, check that ε came across unchanged.`);
    }
    if (layer.momentum !== null && layer.momentumConvention !== null) {
      const m = layer.momentum;
      if (layer.momentumConvention === 'pytorch' && m > 0.5) {
        add('momentum-convention', 'warning', `momentum is ${fmt(m)} in PyTorch's convention (r = (1−m)·r + m·batch), so each batch replaces ${fmt(m * 100)}% of the running statistics; ${fmt(m)} looks like a Keras/ONNX momentum, whose PyTorch equivalent is ${fmt(1 - m)}.`);
      } else if (layer.momentumConvention === 'keras' && m < 0.5) {
        add('momentum-convention', 'warning', `momentum is ${fmt(m)} in the Keras/ONNX convention (r = m·r + (1−m)·batch), so each batch replaces ${fmt((1 - m) * 100)}% of the running statistics; ${fmt(m)} looks like a PyTorch momentum, whose Keras equivalent is ${fmt(1 - m)}.`);
      }
    }
    if (layer.training === true) {
      add('training-mode', 'warning', 'the layer is stored in training mode: at inference it normalizes with each batch\'s own statistics, so a prediction depends on the rest of its batch.');
    }
    if (layer.numBatchesTracked === 0) {
      add('no-batches-tracked', 'warning', 'num_batches_tracked is 0: the running statistics were never updated by a training batch.');
    }
    if (runningMean && runningVar && runningMean.length > 0 && runningMean.every((v) => v === 0) && runningVar.every((v) => v === 1)) {
      add('statistics-at-init', 'warning', `all ${runningMean.length} running means are 0 and all running variances 1, their initial values: the layer was probably never trained, and at inference it passes its input through almost unnormalized.`);
    }
  }

  if (layer.after && ACTIVATIONS.has(layer.after)) {
    add('after-activation', 'info', `the layer comes directly after an activation (${layer.after}); the original paper puts BN before the nonlinearity. Both orders are used, but they train differently.`);
  }
  return found;
}

/** All findings for a model: per layer, then across layers. */
export function findAnomalies(summary: ModelSummary, model: Pick<ModelDescription, 'graph'> | null = null): Anomaly[] {
  const format = summary.format as FormatId;
  const found = summary.layers.flatMap((layer) => layerAnomalies(layer, format));

  const bnEpsilons = summary.layers.filter((l) => l.kind === 'BatchNorm' && l.epsilon !== null).map((l) => l.epsilon as number);
  const distinct = [...new Set(bnEpsilons.map(fmt))];
  if (distinct.length > 1) {
    found.push({ layer: null, code: 'epsilon-inconsistent', severity: 'info', message: `BatchNorm layers use ${distinct.length} different ε values (${distinct.join(', ')}); a model usually has one, so a mix often means layers from different sources or a conversion slip.` });
  }

  const nodes = model?.graph?.nodes ?? [];
  const convsWithBias = nodes.filter((n) => n.opType === 'Conv' && n.inputs.length >= 3 && n.inputs[2]);
  if (summary.format === 'onnx' && !summary.layers.some((l) => l.kind === 'BatchNorm') && convsWithBias.length > 0) {
    found.push({ layer: null, code: 'bn-folded', severity: 'info', message: `there is no BatchNormalization node, but ${convsWithBias.length} Conv node(s) have biases: BN was probably folded into the convolutions at export (e.g. torch.onnx.export in eval mode with constant folding), so its statistics are no longer visible.` });
  }
  return found;
}
