// The detail of one normalization layer: its settings and per-channel charts of γ, β, the running
// statistics, and the affine map it applies at inference.

import type { LayerSummary } from '../src/protocol';
import { h } from './dom';
import { channelChart } from './channelChart';
import { formatFlag, formatNumber } from './format';
import { effectiveAffine } from '../src/shared/effectiveAffine';

export function layerDetail(layer: LayerSummary, digits: number): HTMLElement {
  const f = (x: number | null): string => formatNumber(x, digits);
  const facts: [string, string][] = [
    ['Operator', layer.op],
    ['Kind', layer.kind],
    ['Channels', layer.channels === null ? '—' : String(layer.channels)],
    ['ε', f(layer.epsilon)],
    ['Momentum', layer.momentum === null ? '—' : `${f(layer.momentum)} in ${layer.momentumConvention === 'keras' ? 'Keras/ONNX' : 'PyTorch'} convention`],
    ['Momentum (PyTorch convention)', f(layer.momentumPytorch)],
    ['Affine (γ, β)', formatFlag(layer.affine)],
    ['Center (β) / scale (γ)', `${formatFlag(layer.center)} / ${formatFlag(layer.scale)}`],
    ['Mode in file', layer.training === null ? '—' : layer.training ? 'training (batch statistics)' : 'inference (running statistics)'],
    ['Batches tracked', layer.numBatchesTracked === null ? '—' : String(layer.numBatchesTracked)],
    ['Comes after', layer.after ?? '—'],
    ['Comes before', layer.before ?? '—'],
  ];
  const affine = effectiveAffine(layer);
  return h('section', { class: 'detail', 'aria-label': `Layer ${layer.name}` },
    h('h2', {}, layer.name),
    h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('div', { class: 'charts' },
      channelChart('γ (scale)', layer.gamma, digits),
      channelChart('β (shift)', layer.beta, digits),
      channelChart('Running mean', layer.runningMean, digits),
      channelChart('Running variance', layer.runningVar, digits),
      channelChart('Effective scale at inference: γ/√(var+ε)', affine?.scale ?? null, digits),
      channelChart('Effective shift at inference: β − γ·mean/√(var+ε)', affine?.shift ?? null, digits),
    ),
  );
}
