// The inspector webview: says `ready`, then renders whatever the host sends. UI state (selection,
// filter, sort) is kept with setState so a hidden-then-shown tab, or a reopened editor, comes back as it was.

import type { Anomaly, HostToWebview, ImageInput, InspectorViewState, ModelSummary, ProbeDataSettings, SortKey, ViewSettings, WebviewToHost } from '../src/protocol';
import { findingsByLayer, findingsSection } from './findings';
import { overview } from './overview';
import { setChartSaver, setExportFile } from './chartExport';
import { logsView } from './logsView';
import { recalibrationLayerDetail, recalibrationSummary, type RecalibrationStatus } from './recalibrationView';
import { probeControls, probeLayerDetail, probeSummary, type ProbeSettings, type ProbeStatus } from './probeView';
import { h } from './dom';
import { formatCount } from './format';
import { layerDetail } from './layerDetail';
import { layerTable, visibleLayers } from './layerTable';
import { vscodeApi } from './vscodeApi';

const vscode = vscodeApi<WebviewToHost, InspectorViewState>();
const app = document.getElementById('app') as HTMLElement;
setChartSaver((name, format, data) => vscode.postMessage({ type: 'saveChart', name, format, data }));

let state: InspectorViewState = vscode.getState() ?? { selectedLayer: null, filter: '', sortKey: 'index', sortDescending: false };
let current: { model: ModelSummary; anomalies: readonly Anomaly[]; settings: ViewSettings } | null = null;
let probe: ProbeStatus = { kind: 'idle' };
let recalibration: RecalibrationStatus = { kind: 'idle' };
/** The data settings for this file and what its input takes (from the host, which remembers them per file). */
let probeData: { settings: ProbeDataSettings; inputShape: readonly number[] | null; imageInput: ImageInput | null } | null = null;
const probeSettings = (): ProbeSettings => state.probe ?? { batchSize: 8, seed: 0 };

function update(patch: Partial<InspectorViewState>, focusSelection = false): void {
  state = { ...state, ...patch };
  vscode.setState(state);
  render(focusSelection);
}

function header(model: ModelSummary, anomalies: readonly Anomaly[]): HTMLElement {
  const warnings = anomalies.filter((a) => a.severity === 'warning').length;
  const producer = [model.producer, model.producerVersion].filter(Boolean).join(' ');
  const facts = [
    `${model.format.toUpperCase()}${model.variant !== model.format ? ` (${model.variant})` : ''}`,
    producer ? `made by ${producer}` : null,
    model.opset !== null ? `opset ${model.opset}` : null,
    `${formatCount(model.parameterCount)} parameters`,
    `${model.layers.length} normalization layer${model.layers.length === 1 ? '' : 's'}`,
    `${warnings} warning${warnings === 1 ? '' : 's'}`,
  ].filter((x): x is string => x !== null);
  return h('header', {},
    h('h1', {}, model.file),
    h('p', { class: 'facts-line' }, facts.join(' · ')),
    ...model.notes.map((n) => h('p', { class: 'note', role: 'note' }, n)),
  );
}

function render(focusSelection = false): void {
  if (!current) return;
  const { model, anomalies, settings } = current;
  const flags = findingsByLayer(anomalies);
  const digits = settings.significantDigits;
  const selected = model.layers.find((l) => l.name === state.selectedLayer) ?? model.layers[0] ?? null;

  const filter = h('input', {
    type: 'search',
    placeholder: 'Filter layers by name or kind',
    'aria-label': 'Filter layers',
    value: state.filter,
  });
  filter.addEventListener('input', () => {
    state = { ...state, filter: filter.value };
    vscode.setState(state);
    tableHolder.replaceChildren(table());
  });

  const table = (): HTMLElement => {
    const shown = visibleLayers({ layers: model.layers, filter: state.filter, sortKey: state.sortKey, sortDescending: state.sortDescending });
    if (model.layers.length === 0) {
      return h('p', { class: 'empty' }, 'This file has no normalization layers (BatchNorm, LayerNorm, GroupNorm or InstanceNorm).');
    }
    if (shown.length === 0) return h('p', { class: 'empty' }, `No layer matches “${state.filter}”.`);
    return layerTable({
      layers: model.layers,
      selected: selected?.name ?? null,
      filter: state.filter,
      sortKey: state.sortKey,
      sortDescending: state.sortDescending,
      digits,
      flags,
      onSelect: (name) => update({ selectedLayer: name }, true),
      onSort: (key: SortKey) => update({ sortKey: key, sortDescending: key === state.sortKey ? !state.sortDescending : false }),
    });
  };
  const tableHolder = h('div', { class: 'table-holder' }, table());

  const parts: HTMLElement[] = [header(model, anomalies)];
  if (model.logs) {
    const tagFilter = h('input', { type: 'search', placeholder: 'Filter tags', 'aria-label': 'Filter tags', value: state.filter });
    const holder = h('div', {}, logsView(model.logs, digits, state.filter));
    tagFilter.addEventListener('input', () => {
      state = { ...state, filter: tagFilter.value };
      vscode.setState(state);
      holder.replaceChildren(logsView(model.logs as NonNullable<typeof model.logs>, digits, state.filter));
    });
    app.replaceChildren(...parts, h('div', { class: 'toolbar' }, tagFilter), holder);
    return;
  }
  if (model.layers.length > 0) {
    const exportButton = (label: string, what: 'layers' | 'channels'): HTMLButtonElement => {
      const b = h('button', { type: 'button', class: 'link' }, label);
      b.addEventListener('click', () => vscode.postMessage({ type: 'exportTable', what }));
      return b;
    };
    parts.push(h('div', { class: 'toolbar' }, filter, h('span', { class: 'exports muted' }, ' Export CSV: ',
      exportButton('layers', 'layers'), ' · ', exportButton('per-channel values', 'channels'))));
  }
  parts.push(tableHolder);
  if (model.notRunnable) parts.push(h('p', { class: 'muted probe-unavailable' }, `Probe: not available, since ${model.notRunnable}.`));
  else parts.push(probeControls({
    settings: probeSettings(),
    status: probe,
    onChange: (settings) => { state = { ...state, probe: settings }; vscode.setState(state); },
    recalibrating: recalibration.kind === 'running',
    data: probeData && {
      ...probeData,
      onChange: (settings) => {
        probeData = probeData && { ...probeData, settings };
        vscode.postMessage({ type: 'probeDataSettings', settings });
        render();
      },
    },
    onProbe: (withFile) => vscode.postMessage({ type: 'runProbe', ...probeSettings(), withFile, ...(probeData ? { data: probeData.settings } : {}) }),
    onRecalibrate: () => vscode.postMessage({ type: 'recalibrate', batchSize: probeSettings().batchSize, ...(probeData ? { data: probeData.settings } : {}) }),
    onCancel: () => vscode.postMessage({ type: 'cancelProbe' }),
  }));
  if (recalibration.kind === 'failed') parts.push(h('p', { class: 'error', role: 'alert' }, `Recalibration failed: ${recalibration.message}`));
  if (recalibration.kind === 'done') {
    parts.push(recalibrationSummary(recalibration.result, recalibration.source, digits, model.format === 'onnx',
      () => vscode.postMessage({ type: 'saveRecalibrated' }), (name) => update({ selectedLayer: name }, true)));
  }
  if (probe.kind === 'done') parts.push(probeSummary(probe.result, probe.source, digits, (name) => update({ selectedLayer: name }, true)));
  parts.push(findingsSection(anomalies, (name) => update({ selectedLayer: name }, true)));
  if (model.layers.length > 1) parts.push(overview(model.layers, selected?.name ?? null, digits, (name) => update({ selectedLayer: name }, true)));
  if (selected) {
    const detail = layerDetail(selected, digits);
    const probed = probe.kind === 'done' ? probe.result.layers.find((l) => l.name === selected.name) : undefined;
    if (probed) detail.append(probeLayerDetail(probed, digits));
    const recalibrated = recalibration.kind === 'done' ? recalibration.result.layers.find((l) => l.name === selected.name) : undefined;
    if (recalibrated) detail.append(recalibrationLayerDetail(recalibrated, digits));
    parts.push(detail);
  }
  app.replaceChildren(...parts);
  // The table fills its rows in the next frame (it is virtualized), so focus after that.
  if (focusSelection) requestAnimationFrame(() => app.querySelector<HTMLElement>('tr.selected')?.focus());
}

/** BN Lens is the default editor of binary model files: any file it cannot show can be reopened in VS Code's own. */
function reopenButton(): HTMLElement {
  const reopen = h('button', { type: 'button' }, 'Reopen with the text/hex editor');
  reopen.addEventListener('click', () => vscode.postMessage({ type: 'reopenWithDefault' }));
  return reopen;
}

function renderError(file: string, message: string): void {
  const retry = h('button', { type: 'button' }, 'Try again');
  retry.addEventListener('click', () => vscode.postMessage({ type: 'reload' }));
  app.replaceChildren(
    h('div', { class: 'error', role: 'alert' },
      h('h1', {}, `BN Lens could not open ${file}`),
      h('p', { class: 'message' }, message),
      h('p', { class: 'muted' }, 'Details are in the “BN Lens” output channel.'),
      h('p', {}, retry, ' ', reopenButton()),
    ),
  );
}

/** A sound file that is not a model (an HDF5 file of data, a pickle of numbers): what it is, not an error. */
function renderNotAModel(file: string, what: string): void {
  app.replaceChildren(
    h('div', { class: 'not-a-model' },
      h('h1', {}, `${file} holds no model`),
      h('p', { class: 'message' }, what.charAt(0).toUpperCase() + what.slice(1)),
      h('p', { class: 'muted' }, 'BN Lens shows the normalization layers of model and weight files; this one has none to show.'),
      h('p', {}, reopenButton()),
    ),
  );
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'loading':
      // Exported charts are titled with the file they come from.
      setExportFile(message.file.split(/[\\/]/).pop() ?? message.file);
      if (!current) app.replaceChildren(h('p', { class: 'status' }, `Reading ${message.file}…`));
      break;
    case 'model':
      current = { model: message.model, anomalies: message.anomalies, settings: message.settings };
      if (message.select) update({ selectedLayer: message.select }, true);
      else render();
      break;
    case 'selectLayer':
      update({ selectedLayer: message.name }, true);
      break;
    case 'probeData':
      probeData = { settings: message.settings, inputShape: message.inputShape, imageInput: message.imageInput };
      render();
      break;
    case 'probeRunning':
      probe = { kind: 'running' };
      render();
      break;
    case 'probe':
      probe = { kind: 'done', result: message.result, source: message.source };
      render();
      break;
    case 'recalibrationRunning':
      recalibration = { kind: 'running' };
      render();
      break;
    case 'recalibrated':
      recalibration = { kind: 'done', result: message.result, source: message.source };
      render();
      break;
    case 'recalibrationFailed':
      recalibration = message.cancelled ? { kind: 'idle' } : { kind: 'failed', message: message.message };
      render();
      break;
    case 'probeFailed':
      probe = message.cancelled ? { kind: 'idle' } : { kind: 'failed', message: message.message };
      render();
      break;
    case 'error':
      current = null;
      renderError(message.file, message.message);
      break;
    case 'notAModel':
      current = null;
      renderNotAModel(message.file, message.what);
      break;
  }
});

// VS Code marks the theme on <body>'s class; canvases read their colours when drawn, so redraw then.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });
