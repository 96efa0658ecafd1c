// The probe's "your data" controls: what the data is (which decides the file dialog the host shows) and, for
// images, the preprocessing that turns them into the model's input — chosen here, remembered per model file
// by the host. Random data gets a plain warning: its shift scores say nothing about the model.

import type { DataSource, ImageInput, Layout, Preprocessing, ProbeDataSettings } from '../src/protocol';
import { imagenetPreset, isImagenetPreset } from '../src/shared/imagenet';
import { h } from './dom';

export interface ProbeDataControls {
  readonly settings: ProbeDataSettings;
  readonly inputShape: readonly number[] | null;
  readonly imageInput: ImageInput | null;
  readonly disabled: boolean;
  onChange(settings: ProbeDataSettings): void;
  onProbe(): void;
  onRecalibrate(): void;
}

const SOURCE_LABELS: Record<DataSource, string> = {
  imageFolder: 'a folder of images (PNG/JPEG)',
  imageFiles: 'image files (PNG/JPEG)',
  arrays: 'a NumPy batch (.npy/.npz)',
  onnxTestData: 'an ONNX test data set (test_data_set_N/input_0.pb)',
  csv: 'a CSV table (one sample per row)',
};

type Normalization = 'imagenet' | 'none' | 'custom';

export const RANDOM_DATA_WARNING = 'Random normal input is not what the model was trained on: the shift scores and eval/train differences it gives say nothing about the model. Probe with your own data to learn something.';

function normalizationOf(p: Preprocessing): Normalization {
  if (!p.mean || !p.std) return 'none';
  return isImagenetPreset(p.mean, p.std, p.scale) ? 'imagenet' : 'custom';
}

function select<T extends string>(label: string, value: T, options: readonly (readonly [T, string])[], onChange: (v: T) => void, disabled = false): HTMLElement {
  const el = h('select', { 'aria-label': label, ...(disabled ? { disabled: '' } : {}) }, ...options.map(([v, text]) => h('option', { value: v, ...(v === value ? { selected: '' } : {}) }, text)));
  el.addEventListener('change', () => onChange(el.value as T));
  return h('label', {}, `${label} `, el);
}

/** A comma-separated list of numbers; marked invalid (and not applied) until it parses. */
function numberList(label: string, values: readonly number[], onChange: (v: number[]) => void): HTMLElement {
  const input = h('input', { type: 'text', value: values.join(', '), 'aria-label': label, size: '22' });
  input.addEventListener('change', () => {
    const parsed = input.value.split(/[,\s]+/).filter(Boolean).map(Number);
    const ok = parsed.length > 0 && parsed.every(Number.isFinite);
    input.setAttribute('aria-invalid', String(!ok));
    if (ok) onChange(parsed);
  });
  return h('label', {}, `${label} `, input);
}

function button(text: string, onClick: () => void, disabled: boolean): HTMLButtonElement {
  const b = h('button', { type: 'button', ...(disabled ? { disabled: '' } : {}) }, text);
  b.addEventListener('click', onClick);
  return b;
}

function imageOptions(c: ProbeDataControls): HTMLElement {
  const p = c.settings.preprocessing;
  const set = (patch: Partial<Preprocessing>): void => c.onChange({ ...c.settings, preprocessing: { ...p, ...patch } });
  const input = c.imageInput;
  if (!input) {
    const shape = c.inputShape ? `[${c.inputShape.map((d) => (d > 0 ? d : '?')).join(', ')}]` : 'undeclared';
    return h('p', { class: 'muted' }, `The model's input (${shape}) is not an image batch [N, C, H, W] or [N, H, W, C] with 1 or 3 channels, so images cannot be fed to it.`);
  }
  const layout = p.layout === 'auto' ? input.layout : p.layout;
  const crop = `${input.height} × ${input.width}`;
  const resize = h('input', { type: 'number', min: String(Math.max(input.height, input.width)), step: '1', value: p.resize === null ? '' : String(p.resize), placeholder: String(Math.max(input.height, input.width)), 'aria-label': 'Resize the shorter side to' });
  resize.addEventListener('change', () => {
    const v = resize.value.trim() === '' ? null : Math.round(Number(resize.value));
    if (v === null || (Number.isFinite(v) && v >= Math.max(input.height, input.width))) set({ resize: v });
    else resize.value = p.resize === null ? '' : String(p.resize);
  });
  const norm = normalizationOf(p);
  const setNorm = (n: Normalization): void => {
    if (n === 'none') set({ mean: null, std: null });
    else if (n === 'imagenet') set(imagenetPreset(p.scale));
    else set({ mean: p.mean ?? [0, 0, 0].slice(0, input.channels), std: p.std ?? [1, 1, 1].slice(0, input.channels) });
  };
  const setScale = (scale: 1 | 255): void => {
    // Mean and std are in the units of the scale: follow it, so the normalization means the same.
    const k = scale / p.scale;
    set({ scale, mean: p.mean?.map((m) => m * k) ?? null, std: p.std?.map((s) => s * k) ?? null });
  };
  return h('fieldset', { class: 'probe-preprocessing' },
    h('legend', {}, 'Image preprocessing'),
    h('p', { class: 'muted' }, `The model takes ${input.channels === 3 ? 'RGB' : 'greyscale'} ${crop} images, ${layout}${p.layout === 'auto' ? ' (from its input shape)' : ' (chosen here)'}. Each image is resized so its shorter side has the size below (bilinear with antialiasing, as torchvision's Resize), centre-cropped to ${crop}, scaled, then normalized per channel.`),
    h('div', { class: 'probe-controls' },
      h('label', {}, 'Resize the shorter side to ', resize, ' px'),
      select('Scale to', String(p.scale) as '1' | '255', [['1', '[0, 1] (torchvision ToTensor)'], ['255', '[0, 255] (Keras, caffe-style)']], (v) => setScale(Number(v) as 1 | 255)),
      select('Normalize', norm, [['imagenet', 'ImageNet mean/std'], ['none', 'none'], ['custom', 'custom mean/std']], setNorm),
      norm === 'custom' && p.mean ? numberList('Mean', p.mean, (mean) => set({ mean })) : null,
      norm === 'custom' && p.std ? numberList('Std', p.std, (std) => set({ std })) : null,
      select('Layout', p.layout, [['auto', `from the model (${input.layout})`], ['NCHW', 'NCHW (PyTorch, ONNX)'], ['NHWC', 'NHWC (Keras, TF.js)']] as const, (v) => set({ layout: v as Layout | 'auto' })),
    ));
}

export function probeDataControls(c: ProbeDataControls): HTMLElement {
  const source = c.settings.source;
  const images = source === 'imageFolder' || source === 'imageFiles';
  return h('section', { class: 'probe-data', 'aria-label': 'Probe with your data' },
    h('div', { class: 'probe-controls' },
      select('Your data:', source, Object.entries(SOURCE_LABELS) as [DataSource, string][], (v) => c.onChange({ ...c.settings, source: v }), c.disabled),
      button('Probe with my data…', c.onProbe, c.disabled),
      button('Recalibrate with my data…', c.onRecalibrate, c.disabled)),
    images ? imageOptions(c) : null);
}
