// The new-run form: dataset (built-in or a workspace CSV with its label column), architecture (preset or
// a *.bnlens.json spec), where the normalization goes and which kind, optimizer, learning rate, batch
// size, epochs and seed; then Start / Pause / Stop and the one-click experiments.

import { h } from '../dom';
import { ARCHITECTURES, BUILTIN_DATASETS, EXPERIMENTS, NORM_LABELS, type ExperimentId, type NormKind, type OptimizerName, type Placement, type StudioForm } from '../../src/shared/runs/studioForm';
import type { StudioOptions } from '../../src/protocol/studio';

export interface FormControls {
  readonly form: StudioForm;
  readonly options: StudioOptions;
  /** Columns of the chosen CSV, once the host has read its header. */
  readonly csvColumns: readonly string[] | null;
  readonly liveStatus: 'idle' | 'running' | 'paused';
  readonly experimentRunning: boolean;
  onChange(form: StudioForm): void;
  onCsvChosen(file: string): void;
  onStart(): void;
  onPause(): void;
  onResume(): void;
  onStop(): void;
  onExperiment(id: ExperimentId): void;
  onRefresh(): void;
}

function select(id: string, label: string, value: string, options: readonly [string, string][], onChange: (v: string) => void, disabled = false): HTMLElement {
  const el = h('select', { id, ...(disabled ? { disabled: '' } : {}) }, ...options.map(([v, text]) => h('option', { value: v, ...(v === value ? { selected: '' } : {}) }, text)));
  el.value = value;
  el.addEventListener('change', () => onChange(el.value));
  return h('label', { class: 'field', for: id }, h('span', {}, label), el);
}

function number(id: string, label: string, value: number, attrs: Record<string, string>, onChange: (v: number) => void): HTMLElement {
  const el = h('input', { id, type: 'number', value: String(value), ...attrs });
  el.addEventListener('change', () => onChange(Number(el.value)));
  return h('label', { class: 'field', for: id }, h('span', {}, label), el);
}

function button(id: string, text: string, onClick: () => void, { kind = 'secondary', disabled = false, title }: { kind?: 'primary' | 'secondary' | 'link'; disabled?: boolean; title?: string } = {}): HTMLButtonElement {
  const b = h('button', { id, type: 'button', class: kind, ...(disabled ? { disabled: '' } : {}), ...(title ? { title } : {}) }, text);
  b.addEventListener('click', onClick);
  return b;
}

export function formSection(c: FormControls): HTMLElement {
  const f = c.form;
  const set = (patch: Partial<StudioForm>): void => c.onChange({ ...f, ...patch });
  const datasetValue = f.dataset.kind === 'csv' ? `csv:${f.dataset.file}` : f.dataset.kind;
  const datasetOptions: [string, string][] = [
    ...BUILTIN_DATASETS.map((d): [string, string] => [d.kind, d.label]),
    ...c.options.csvFiles.map((p): [string, string] => [`csv:${p}`, `CSV: ${p}`]),
  ];
  const archValue = 'preset' in f.architecture ? `preset:${f.architecture.preset}` : `spec:${f.architecture.specFile}`;
  const archOptions: [string, string][] = [
    ...ARCHITECTURES.map((a): [string, string] => [`preset:${a.preset}`, a.label]),
    ...c.options.specFiles.map((p): [string, string] => [`spec:${p}`, `Spec: ${p}`]),
  ];
  const fromSpec = 'specFile' in f.architecture;
  const busy = c.liveStatus !== 'idle' || c.experimentRunning;
  const fields = h('div', { class: 'fields' },
    select('dataset', 'Dataset', datasetValue, datasetOptions, (v) => {
      if (v.startsWith('csv:')) {
        const file = v.slice(4);
        set({ dataset: { kind: 'csv', file, labelColumn: '' } });
        c.onCsvChosen(file);
      } else set({ dataset: { kind: v as Exclude<StudioForm['dataset']['kind'], 'csv'> } });
    }),
    f.dataset.kind === 'csv'
      ? select('label-column', 'Label column', f.dataset.labelColumn, (c.csvColumns ?? [f.dataset.labelColumn]).map((col): [string, string] => [col, col || 'reading the header…']),
        (v) => set({ dataset: { kind: 'csv', file: (f.dataset as { file: string }).file, labelColumn: v } }))
      : null,
    select('architecture', 'Architecture', archValue, archOptions, (v) => set({ architecture: v.startsWith('spec:') ? { specFile: v.slice(5) } : { preset: v.slice(7) as 'mlp' | 'cnn' } })),
    select('norm', 'Normalization', f.norm, (Object.keys(NORM_LABELS) as NormKind[]).map((k): [string, string] => [k, NORM_LABELS[k]]), (v) => set({ norm: v as NormKind, ...(v === 'none' ? {} : f.placement === 'none' ? { placement: 'before' as Placement } : {}) }), fromSpec),
    select('placement', 'Where it goes', f.placement, [['before', 'before the activation (Dense → BN → ReLU)'], ['after', 'after the activation (Dense → ReLU → BN)'], ['none', 'none']], (v) => set({ placement: v as Placement }), fromSpec || f.norm === 'none'),
    fromSpec ? h('p', { class: 'muted small' }, 'The spec file decides the layers; normalization and placement come from it.') : null,
    select('optimizer', 'Optimizer', f.optimizer, [['sgd', 'SGD, momentum 0.9'], ['adam', 'Adam'], ['adamw', 'AdamW']], (v) => set({ optimizer: v as OptimizerName })),
    h('div', { class: 'row' },
      number('lr', 'Learning rate', f.lr, { min: '0', step: 'any' }, (v) => set({ lr: v })),
      number('batch', 'Batch size', f.batchSize, { min: '1', step: '1' }, (v) => set({ batchSize: v }))),
    h('div', { class: 'row' },
      number('epochs', 'Epochs', f.epochs, { min: '1', step: '1' }, (v) => set({ epochs: v })),
      number('seed', 'Seed', f.seed, { step: '1' }, (v) => set({ seed: v }))),
  );
  const controls = h('div', { class: 'controls' },
    button('start', 'Start', c.onStart, { kind: 'primary', disabled: busy }),
    c.liveStatus === 'paused' ? button('resume', 'Resume', c.onResume) : button('pause', 'Pause', c.onPause, { disabled: c.liveStatus !== 'running' }),
    button('stop', 'Stop', c.onStop, { disabled: c.liveStatus === 'idle' && !c.experimentRunning, title: 'Stop at the next step; the run is saved as stopped' }));
  const experiments = h('ul', { class: 'experiments' }, ...EXPERIMENTS.map((e) => {
    const b = button(`experiment-${e.id}`, e.title, () => c.onExperiment(e.id), { kind: 'link', disabled: busy, title: e.claim });
    b.dataset.experiment = e.id;
    return h('li', {}, b);
  }));
  const refresh = button('refresh-files', 'Rescan workspace', c.onRefresh, { kind: 'link', title: 'Look again for CSV and *.bnlens.json files' });
  return h('section', { class: 'new-run', 'aria-label': 'New run' },
    h('h2', {}, 'New run'), fields, controls,
    h('h2', {}, 'Experiments'),
    h('p', { class: 'muted small' }, 'Each trains a few runs with the settings above, differing in one thing, then compares them side by side.'),
    experiments,
    h('p', { class: 'muted small' }, `Runs are saved in ${c.options.runsFolder}. `, refresh));
}
