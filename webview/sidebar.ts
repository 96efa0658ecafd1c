// The side panel's page: the active model file's normalization layers, each with sparklines of γ and
// running variance and its warnings; clicking a layer opens it in the full inspector.

import type { LiveRunSnapshot, SidebarHostToWebview, SidebarWebviewToHost } from '../src/protocol';
import { formatNumber } from './format';
import { h } from './dom';
import { findingsByLayer } from './findings';
import { sparkline } from './sparkline';
import { vscodeApi } from './vscodeApi';

const vscode = vscodeApi<SidebarWebviewToHost, never>();
const app = document.getElementById('app') as HTMLElement;
const liveRegion = h('section', { class: 'live', 'aria-label': 'Live training run' });
const modelRegion = h('div', {});
app.replaceChildren(liveRegion, modelRegion);

/** The Training Studio's run while it trains: per normalization layer, the latest recorded statistics. */
function renderLive(snapshot: LiveRunSnapshot | undefined): void {
  if (!snapshot) {
    liveRegion.replaceChildren();
    return;
  }
  const f = (x: number | null): string => formatNumber(x, 3);
  const progress = snapshot.totalSteps ? `step ${snapshot.step} of ${snapshot.totalSteps}` : `step ${snapshot.step}`;
  liveRegion.replaceChildren(
    h('h1', {}, `Training: ${snapshot.run}`),
    h('p', { class: 'summary' }, `${snapshot.status} · ${progress} · loss ${f(snapshot.loss)} · accuracy ${f(snapshot.accuracy)}`),
    h('ul', { class: 'layers', 'aria-label': 'Live normalization layers' }, ...snapshot.layers.map((l) => h('li', { class: 'live-layer', 'data-layer': l.name },
      h('span', { class: 'name' }, l.name),
      h('span', { class: 'meta' }, `${l.kind} · ${l.channels} ch · pre ${f(l.pre.mean)} ± ${f(l.pre.std)} → post ${f(l.post.mean)} ± ${f(l.post.std)}`),
      h('span', { class: 'meta' }, [
        l.batchRunningGap !== null ? `batch−running gap ${f(l.batchRunningGap)}` : null,
        l.deadFraction !== null ? `dead ReLU ${formatNumber(l.deadFraction * 100, 3)}%` : null,
      ].filter(Boolean).join(' · ')),
      h('span', { class: 'sparks' },
        h('span', { class: 'spark-label' }, 'γ'), sparkline('γ', l.gamma, 3) ?? h('span', { class: 'muted' }, '—'),
        h('span', { class: 'spark-label' }, 'var'), sparkline('running variance', l.runningVariance, 3) ?? h('span', { class: 'muted' }, '—'))))));
}

function render(message: Exclude<SidebarHostToWebview, { type: 'liveRun' }>): void {
  const app = modelRegion;
  switch (message.type) {
    case 'empty':
      app.replaceChildren(h('p', { class: 'status' }, 'Open a model file (ONNX, PyTorch, safetensors, Keras, TF.js) to see its normalization layers here.'));
      return;
    case 'loading':
      app.replaceChildren(h('p', { class: 'status' }, `Reading ${message.file}…`));
      return;
    case 'error':
      app.replaceChildren(h('div', { class: 'error', role: 'alert' }, h('strong', {}, `Could not open ${message.file}`), h('p', {}, message.message)));
      return;
    case 'model': {
      const { model, anomalies, settings } = message;
      const flags = findingsByLayer(anomalies);
      const warnings = anomalies.filter((a) => a.severity === 'warning').length;
      const items = model.layers.map((layer) => {
        const found = flags.get(layer.name) ?? [];
        const warn = found.filter((a) => a.severity === 'warning').length;
        const button = h('button', { type: 'button', class: 'layer', 'data-layer': layer.name,
          title: found.length ? found.map((a) => a.message).join('\n') : `Open ${layer.name} in the inspector` },
          h('span', { class: 'name' }, layer.name),
          h('span', { class: 'meta' }, `${layer.kind}${layer.channels !== null ? ` · ${layer.channels} ch` : ''}${warn ? ` · ⚠ ${warn}` : ''}`),
          h('span', { class: 'sparks' },
            h('span', { class: 'spark-label' }, 'γ'), sparkline('γ', layer.gamma, settings.significantDigits) ?? h('span', { class: 'muted' }, '—'),
            h('span', { class: 'spark-label' }, 'var'), sparkline('running variance', layer.runningVar, settings.significantDigits) ?? h('span', { class: 'muted' }, '—')));
        button.addEventListener('click', () => vscode.postMessage({ type: 'openLayer', layer: layer.name }));
        return h('li', {}, button);
      });
      app.replaceChildren(
        h('h1', {}, message.file),
        h('p', { class: 'summary' }, `${model.layers.length} normalization layer${model.layers.length === 1 ? '' : 's'} · ${warnings} warning${warnings === 1 ? '' : 's'}`),
        model.layers.length ? h('ul', { class: 'layers', 'aria-label': 'Normalization layers' }, ...items) : h('p', { class: 'status' }, 'No normalization layers in this file.'),
      );
      return;
    }
  }
}

window.addEventListener('message', (event: MessageEvent<SidebarHostToWebview>) => {
  const message = event.data;
  if (message.type === 'liveRun') renderLive(message.snapshot);
  else render(message);
});
vscode.postMessage({ type: 'ready' });
