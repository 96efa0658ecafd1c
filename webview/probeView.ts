// The probe in the inspector: its controls, the model-level results (eval vs train output, the
// channels whose inference statistics disagree most with this data), and a layer's probe detail.

import type { ProbeLayer, ProbeResult } from '../src/protocol';
import { h } from './dom';
import { channelChart } from './channelChart';
import { expectedNormalCounts, histogramChart } from './histogramChart';
import { formatNumber } from './format';
import { probeDataControls, RANDOM_DATA_WARNING, type ProbeDataControls } from './probeDataView';

export interface ProbeSettings {
  readonly batchSize: number;
  readonly seed: number;
}

export type ProbeStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running' }
  | { readonly kind: 'done'; readonly result: ProbeResult; readonly source: string }
  | { readonly kind: 'failed'; readonly message: string };

export interface ProbeControls {
  readonly settings: ProbeSettings;
  readonly status: ProbeStatus;
  /** Whether a recalibration is under way (the same worker slot: one job per file at a time). */
  readonly recalibrating: boolean;
  /** The data controls, once the host said what the model's input takes (absent until then). */
  readonly data: Omit<ProbeDataControls, 'disabled' | 'onProbe' | 'onRecalibrate'> | null;
  onChange(settings: ProbeSettings): void;
  onProbe(withFile: boolean): void;
  onRecalibrate(): void;
  onCancel(): void;
}

function numberInput(label: string, value: number, min: number, onChange: (v: number) => void): HTMLElement {
  const input = h('input', { type: 'number', min: String(min), step: '1', value: String(value), 'aria-label': label });
  input.addEventListener('change', () => {
    const v = Math.round(Number(input.value));
    if (Number.isFinite(v) && v >= min) onChange(v);
    else input.value = String(value);
  });
  return h('label', {}, `${label} `, input);
}

function button(text: string, onClick: () => void, disabled = false): HTMLButtonElement {
  const b = h('button', { type: 'button', ...(disabled ? { disabled: '' } : {}) }, text);
  b.addEventListener('click', onClick);
  return b;
}

export function probeControls(c: ProbeControls): HTMLElement {
  const running = c.status.kind === 'running' || c.recalibrating;
  return h('div', { class: 'probe-panel' },
    h('div', { class: 'probe-controls toolbar', role: 'group', 'aria-label': 'Probe' },
      numberInput('Batch size', c.settings.batchSize, 2, (batchSize) => c.onChange({ ...c.settings, batchSize })),
      numberInput('Seed', c.settings.seed, 0, (seed) => c.onChange({ ...c.settings, seed })),
      button('Probe with a random batch', () => c.onProbe(false), running),
      running ? button('Cancel', c.onCancel) : null,
      h('span', { class: 'muted', role: 'status' },
        c.recalibrating ? 'Re-estimating the running statistics…' : running ? 'Passing the batch forward through the model…' : c.status.kind === 'failed' ? c.status.message : '')),
    c.data ? probeDataControls({ ...c.data, disabled: running, onProbe: () => c.onProbe(true), onRecalibrate: c.onRecalibrate }) : null);
}

interface RankedChannel { layer: string; channel: number; score: number; batchMean: number; runningMean: number }

function topShifts(result: ProbeResult, n: number): RankedChannel[] {
  const all: RankedChannel[] = [];
  for (const l of result.layers) {
    l.shiftScore?.forEach((score, channel) => all.push({ layer: l.name, channel, score, batchMean: l.batchMean[channel], runningMean: l.runningMean?.[channel] ?? NaN }));
  }
  return all.filter((r) => Number.isFinite(r.score)).sort((a, b) => b.score - a.score).slice(0, n);
}

const KERNEL_LABELS: Record<string, string> = {
  js: 'JavaScript reference kernels',
  'wasm-simd': 'WebAssembly SIMD kernels',
  'wasm-relaxed-simd': 'WebAssembly relaxed-SIMD kernels',
};

/** Which kernels computed the probe's forward passes, on how many threads, and why not the ones asked for (if so). */
function kernelsLine(k: NonNullable<ProbeResult['kernels']>): HTMLElement {
  const label = KERNEL_LABELS[k.name] ?? `${k.name} kernels`;
  const setting = k.name === 'js' && !k.note ? ' (bnlens.engine.kernels: js)' : '';
  return h('p', { 'data-kernels': k.name, 'data-threads': String(k.threads) },
    `Computed on the ${label}, ${k.threads} thread${k.threads === 1 ? '' : 's'}${setting}${k.note ? `; ${k.note.replace(/\.$/, '')}` : ''}.`);
}

export function probeSummary(result: ProbeResult, source: string, digits: number, onSelect: (layer: string) => void): HTMLElement {
  const f = (x: number): string => formatNumber(x, digits);
  const out = result.output;
  const agreement = out.argmaxAgreement === null ? '' : `; the predicted class agrees on ${formatNumber(out.argmaxAgreement * 100, 3)}% of the batch`;
  const rows = topShifts(result, 10).map((r) => {
    const link = h('button', { type: 'button', class: 'link' }, r.layer);
    link.addEventListener('click', () => onSelect(r.layer));
    return h('tr', {}, h('td', {}, link), h('td', { class: 'numeric' }, String(r.channel)), h('td', { class: 'numeric' }, f(r.score)),
      h('td', { class: 'numeric' }, f(r.batchMean)), h('td', { class: 'numeric' }, f(r.runningMean)));
  });
  return h('section', { class: 'probe-summary', 'aria-label': 'Probe results' },
    h('h2', {}, 'Probe'),
    h('p', {}, `Batch: ${source}, input [${result.inputShape.join(', ')}].`),
    result.randomInput ? h('p', { class: 'note warning', role: 'note' }, RANDOM_DATA_WARNING) : null,
    h('p', {}, `Eval mode (running statistics) against train mode (this batch's statistics) on the same batch: output differs by up to ${f(out.maxAbsDifference)} (mean ${f(out.meanAbsDifference)})${agreement}.`),
    result.fold ? h('p', {}, result.fold.folded.length
      ? `Folding ${result.fold.folded.length} BatchNorm layer${result.fold.folded.length === 1 ? '' : 's'} into the convolution or Gemm before ${result.fold.folded.length === 1 ? 'it' : 'them'} changes the output by at most ${f(result.fold.maxAbsDifference)} on this batch${result.fold.skipped.length ? `; not folded: ${result.fold.skipped.map((s) => `${s.bn} (${s.reason})`).join(', ')}` : ''}.`
      : `No BatchNorm layer can be folded: ${result.fold.skipped.map((s) => `${s.bn} (${s.reason})`).join(', ') || 'there are none'}.`) : null,
    result.kernels ? kernelsLine(result.kernels) : null,
    rows.length ? h('table', { class: 'shift-table', 'aria-label': 'Channels whose running statistics disagree most with this batch' },
      h('caption', {}, 'Channels whose inference statistics disagree most with this batch: shift = |batch mean − running mean| / √(running var + ε)'),
      h('thead', {}, h('tr', {}, ...['Layer', 'Channel', 'Shift', 'Batch mean', 'Running mean'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows)) : h('p', { class: 'muted' }, 'No layer has running statistics to compare with.'),
    result.layers.length ? everyLayerHistograms(result, digits, onSelect) : null);
}

/** Every normalization layer's input and output histograms at once, as small multiples; a layer's name selects it. */
function everyLayerHistograms(result: ProbeResult, digits: number, onSelect: (layer: string) => void): HTMLElement {
  const small = (chart: HTMLElement): HTMLElement => {
    chart.classList.add('small');
    return chart;
  };
  return h('details', { class: 'probe-histograms', open: '' },
    h('summary', {}, `Input and output histograms of every normalization layer (${result.layers.length}), eval mode`),
    h('div', { class: 'multiples' }, ...result.layers.map((l) => {
      const link = h('button', { type: 'button', class: 'link' }, l.name);
      link.addEventListener('click', () => onSelect(l.name));
      return h('div', { class: 'layer-histograms', 'data-layer': l.name },
        h('h4', {}, link),
        small(histogramChart(`${l.name}: input`, l.input.histogram, digits)),
        small(histogramChart(`${l.name}: output`, l.output.histogram, digits)));
    })));
}

export function probeLayerDetail(layer: ProbeLayer, digits: number): HTMLElement {
  const f32 = (a: Float64Array | null): Float32Array | null => (a ? Float32Array.from(a) : null);
  const channels = layer.batchMean.length;
  const expected = layer.kind === 'BatchNorm'
    ? expectedNormalCounts(layer.output.histogram.edges, layer.gamma, layer.beta, channels, layer.output.sampled - layer.output.nonFinite)
    : undefined;
  return h('div', { class: 'probe-detail' },
    h('h3', {}, `Probe: ${layer.name}`),
    h('div', { class: 'charts' },
      histogramChart('Input (pre-normalization), all channels', layer.input.histogram, digits, undefined, layer.name),
      histogramChart('Output (post-normalization, eval mode), all channels', layer.output.histogram, digits, expected, layer.name),
      channelChart('Batch mean − running mean, per channel', layer.runningMean ? Float32Array.from(layer.batchMean, (m, c) => m - layer.runningMean![c]) : null, digits, layer.name),
      channelChart('Batch variance ÷ running variance, per channel', layer.runningVariance ? Float32Array.from(layer.batchVariance, (v, c) => v / layer.runningVariance![c]) : null, digits, layer.name),
      channelChart('Shift score |batch mean − running mean| / √(running var + ε)', f32(layer.shiftScore), digits, layer.name),
    ));
}
