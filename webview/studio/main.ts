// The Training Studio page (and, in another mode, the TensorBoard log page): says `ready`, then renders
// what the host sends. Live updates only mark the page dirty; it redraws at most once per animation
// frame, so however fast the run goes the page draws no more than the screen shows. The form, the view
// and the selections are kept with setState, so a hidden and re-shown tab comes back as it was.

import type {
  ExperimentProgress, LogsHostToWebview, WatchedRun, LogsWebviewToHost, RunData, RunListing, StudioHostToWebview, StudioOptions, StudioSettings, StudioViewState, StudioWebviewToHost,
} from '../../src/protocol/studio';
import { DEFAULT_FORM } from '../../src/shared/runs/studioForm';
import { setChartSaver, setExportFile } from '../chartExport';
import { h } from '../dom';
import { logsView } from '../logsView';
import { vscodeApi } from '../vscodeApi';
import { compareView } from './compareView';
import { formSection } from './form';
import { setCanvasSaver } from './charts';
import { applyUpdate, fromWire, statusText } from './runModel';
import { runView } from './runView';
import { watchedView } from './watchedView';
import { unpackWatched } from '../../src/shared/runs/watched';

type Outgoing = StudioWebviewToHost | LogsWebviewToHost;
const vscode = vscodeApi<Outgoing, StudioViewState>();
const app = document.getElementById('app') as HTMLElement;
// Live charts redraw ten times a second: announcing each would drown a screen reader. Status lines have their own role.
app.setAttribute('aria-live', 'off');
setChartSaver((name, format, data) => vscode.postMessage({ type: 'saveChart', name, format, data }));
setCanvasSaver((name, format, data) => vscode.postMessage({ type: 'saveChart', name, format, data }));

let state: StudioViewState = { form: DEFAULT_FORM, view: 'run', shown: null, overlay: null, compare: [], layerFilter: '', ...vscode.getState() };
let options: StudioOptions = { csvFiles: [], specFiles: [], runsFolder: '.bnlens/runs' };
let settings: StudioSettings = { significantDigits: 4 };
let runs: readonly RunListing[] = [];
let live: RunData | null = null;
let experiment: ExperimentProgress | null = null;
const loaded = new Map<string, RunData>();
const csvColumns = new Map<string, readonly string[]>();
let problem: string | null = null;
let initialized = false;

const side = h('aside', { class: 'side' });
const listHolder = h('div', {});
const content = h('div', { class: 'content' });

function save(patch: Partial<StudioViewState>): void {
  state = { ...state, ...patch };
  vscode.setState(state);
}

/**
 * The run view's layer rows: which are on screen (an IntersectionObserver says), the last drawing of
 * each, and which drawings are out of date. Rows off screen keep their last drawing until they scroll
 * into view, when they are redrawn.
 */
const rows = {
  key: '',
  drawn: new Map<string, HTMLElement>(),
  visible: new Set<string>(),
  stale: new Set<string>(),
  overview: null as { el: HTMLElement; at: number } | null,
  observer: new IntersectionObserver((entries) => {
    let redraw = false;
    for (const e of entries) {
      const layer = (e.target as HTMLElement).dataset.layer ?? '';
      if (e.isIntersecting) {
        rows.visible.add(layer);
        redraw ||= rows.stale.has(layer);
      } else rows.visible.delete(layer);
    }
    if (redraw) requestRender();
  }, { rootMargin: '300px 0px' }),
};

let frame = 0;
/** Marks the content for redrawing at the next animation frame (several updates in one frame draw once). */
function requestRender(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderContent();
  });
}

function liveStatus(): 'idle' | 'running' | 'paused' {
  if (!live || !['running', 'paused'].includes(live.info.status)) return 'idle';
  return live.info.status === 'paused' ? 'paused' : 'running';
}

function runOf(name: string | null): RunData | null {
  if (!name) return null;
  if (live?.info.name === name) return live;
  return loaded.get(name) ?? null;
}

let lastSideRender = 0;
function renderSide(): void {
  lastSideRender = performance.now();
  const active = document.activeElement;
  const focused = active?.id;
  const form = formSection({
    form: state.form, options, liveStatus: liveStatus(), experimentRunning: !!experiment && !experiment.cancelled && experiment.current < experiment.runs.length,
    csvColumns: state.form.dataset.kind === 'csv' ? csvColumns.get(state.form.dataset.file) ?? null : null,
    onChange: (patch, redraw) => {
      save({ form: { ...state.form, ...patch } });
      if (redraw) renderSide();
    },
    onCsvChosen: (file) => vscode.postMessage({ type: 'csvColumns', file }),
    onStart: () => { problem = null; vscode.postMessage({ type: 'start', form: state.form }); },
    onPause: () => vscode.postMessage({ type: 'pause' }),
    onResume: () => vscode.postMessage({ type: 'resume' }),
    onStop: () => vscode.postMessage({ type: 'stop' }),
    onExperiment: (id) => { problem = null; vscode.postMessage({ type: 'runExperiment', id, form: state.form }); },
    onRefresh: () => vscode.postMessage({ type: 'refresh' }),
  });
  // The form field being typed in survives the redraw as the very same element (value, caret, selection
  // and any half-typed entry intact): a live update must never take keystrokes away. Only a field of the
  // form: anything else focused in the side bar (a run's Compare checkbox) is drawn anew and refocused by id.
  const typing = active instanceof HTMLInputElement && side.contains(active) && active.id ? active : null;
  const slot = typing ? form.querySelector(`#${CSS.escape(typing.id)}`) : null;
  if (typing && slot) slot.replaceWith(typing);
  side.replaceChildren(form, listHolder);
  renderList();
  if (typing && slot) typing.focus();
  else if (focused) document.getElementById(focused)?.focus();
}

/** Only the runs list (the live run's entry moves while it trains; the form is left alone, so typing is not disturbed). */
function renderList(): void {
  lastSideRender = performance.now();
  listHolder.replaceChildren(runList());
}

function link(text: string, label: string, onClick: () => void, extra: Record<string, string> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'link', 'aria-label': label, ...extra }, text);
  b.addEventListener('click', onClick);
  return b;
}

function runList(): HTMLElement {
  const ticked = new Set(state.compare);
  const items = runs.map((r) => {
    if (!r.info) return h('li', { class: 'broken', 'data-run': r.name, title: r.error ?? '' }, h('span', {}, r.name), h('span', { class: 'muted small' }, ` · not readable: ${r.error ?? ''}`));
    // The live run's entry follows its updates; the list itself comes from the host at start and end.
    const info = live?.info.name === r.name ? live.info : r.info;
    const box = h('input', { type: 'checkbox', id: `cmp-${r.name}`, 'aria-label': `Compare ${r.name}`, ...(ticked.has(r.name) ? { checked: '' } : {}) });
    box.addEventListener('change', () => {
      save({ compare: box.checked ? [...state.compare.filter((n) => n !== r.name), r.name] : state.compare.filter((n) => n !== r.name) });
      renderList();
      document.getElementById(`cmp-${r.name}`)?.focus();
      requestRender();
    });
    const open = link(r.name, `Open ${r.name}`, () => showRun(r.name), { class: 'link run-name' });
    return h('li', { 'data-run': r.name, 'data-status': info.status, class: state.shown === r.name ? 'selected' : '' },
      box, ' ', open,
      h('div', { class: 'muted small' }, `${info.status}${info.experiment ? ` · ${info.experiment.variant}` : ''} · ${info.steps}${info.totalSteps ? `/${info.totalSteps}` : ''} steps${info.finalValidation ? ` · val acc ${info.finalValidation.accuracy.toFixed(3)}` : ''}`),
      h('div', { class: 'run-actions small' },
        link(state.overlay === r.name ? 'superimposed ✓' : 'superimpose', `Superimpose ${r.name} on the run shown`, () => setOverlay(state.overlay === r.name ? null : r.name)), ' · ',
        link('TensorBoard', `Export ${r.name} as a TensorBoard event file`, () => vscode.postMessage({ type: 'exportRun', name: r.name, format: 'tensorboard' })), ' · ',
        link('CSV', `Export ${r.name} as CSV`, () => vscode.postMessage({ type: 'exportRun', name: r.name, format: 'csv' })), ' · ',
        link('delete', `Delete ${r.name}`, () => vscode.postMessage({ type: 'deleteRun', name: r.name }))));
  });
  const compare = h('button', { type: 'button', id: 'compare', class: 'secondary', ...(state.compare.length < 2 ? { disabled: '' } : {}) }, `Compare ticked runs (${state.compare.length})`);
  compare.addEventListener('click', () => showCompare(state.compare));
  return h('section', { class: 'saved-runs', 'aria-label': 'Saved runs' },
    h('h2', {}, `Runs (${runs.filter((r) => r.info).length})`),
    compare,
    runs.length ? h('ul', { class: 'runs' }, ...items) : h('p', { class: 'muted small' }, 'No runs yet: start one above.'));
}

function ensureLoaded(names: readonly string[], purpose: 'open' | 'overlay' | 'compare'): void {
  const missing = names.filter((n) => !runOf(n));
  if (missing.length) vscode.postMessage({ type: 'loadRuns', names: missing, purpose });
}

function showRun(name: string): void {
  save({ shown: name, view: 'run' });
  ensureLoaded([name], 'open');
  renderSide();
  requestRender();
}

function setOverlay(name: string | null): void {
  save({ overlay: name });
  if (name) ensureLoaded([name], 'overlay');
  renderSide();
  requestRender();
}

function showCompare(names: readonly string[]): void {
  save({ view: 'compare', compare: [...names] });
  ensureLoaded(names, 'compare');
  renderSide();
  requestRender();
}

function tabs(): HTMLElement {
  const tab = (view: 'run' | 'compare', text: string): HTMLButtonElement => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${view}`, 'aria-selected': String(state.view === view), class: state.view === view ? 'tab selected' : 'tab' }, text);
    b.addEventListener('click', () => { save({ view }); requestRender(); });
    return b;
  };
  const filter = h('input', { type: 'search', id: 'layer-filter', placeholder: 'Filter layers', 'aria-label': 'Filter layers by name or kind', value: state.layerFilter });
  filter.addEventListener('input', () => { save({ layerFilter: filter.value }); requestRender(); });
  // The tab list holds the tabs only (ARIA); the filter sits beside it.
  return h('div', { class: 'toolbar' }, h('div', { role: 'tablist', 'aria-label': 'Studio views' }, tab('run', 'Run'), tab('compare', `Compare (${state.compare.length})`)), state.view === 'run' ? filter : null);
}

function renderContent(): void {
  if (!initialized) return;
  const started = performance.now();
  const focusedFilter = document.activeElement?.id === 'layer-filter';
  const digits = settings.significantDigits;
  const parts: (HTMLElement | null)[] = [];
  if (problem) {
    const dismiss = link('Dismiss', 'Dismiss this message', () => { problem = null; requestRender(); });
    parts.push(h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'BN Lens: '), problem, ' ', dismiss));
  }
  if (experiment) {
    const e = experiment;
    parts.push(h('div', { class: 'note experiment', role: 'status' }, `${e.title}: `,
      e.cancelled ? 'stopped. ' : e.current >= e.runs.length ? 'all runs done. ' : `run ${e.current + 1} of ${e.runs.length} (${e.runs[e.current].variant}). `,
      // The variants once each (the experiment runs every one with several seeds).
      ...[...new Set(e.runs.map((r) => r.variant))].map((v, k, all) => {
        const runsOf = e.runs.map((r, i) => ({ r, i })).filter(({ r }) => r.variant === v);
        const done = runsOf.filter(({ i }) => i < e.current).length;
        return h('span', { class: done === runsOf.length ? 'done' : runsOf.some(({ i }) => i === e.current) ? 'current' : 'muted' }, `${v} ${done}/${runsOf.length}${k < all.length - 1 ? ' · ' : ''}`);
      })));
  }
  parts.push(tabs());
  if (state.view === 'compare') {
    const chosen = state.compare.map(runOf).filter((r): r is RunData => r !== null);
    const variants = new Map((experiment?.runs ?? []).map((r) => [r.name, r.variant] as [string, string]));
    parts.push(chosen.length < state.compare.length ? h('p', { class: 'status' }, 'Reading the runs…') : compareView({
      runs: chosen, digits, variants, axis: state.compareAxis ?? 'epochs',
      experiment: experiment && experiment.runs.every((r) => state.compare.includes(r.name)) ? experiment : null,
      onAxis: (axis) => { save({ compareAxis: axis }); requestRender(); },
    }));
  } else {
    const run = runOf(state.shown) ?? live;
    if (!run) {
      parts.push(h('div', { class: 'empty-state' }, h('h1', {}, 'Training Studio'),
        h('p', {}, 'Pick a dataset and an architecture on the left and press Start: every normalization layer\'s statistics appear here while the network trains — distributions before and after normalization, γ and β, batch against running statistics, gradient norms and dead ReLUs.'),
        h('p', { class: 'muted' }, 'Or run one of the experiments, which train a few runs that differ in one thing and compare them side by side.')));
    } else {
      const overlay = state.overlay && state.overlay !== run.info.name ? runOf(state.overlay) : null;
      const key = `${run.info.name}\u0000${overlay?.info.name ?? ''}\u0000${digits}\u0000${document.body.className}`;
      if (key !== rows.key) {
        rows.key = key;
        rows.drawn.clear();
        rows.overview = null;
        rows.observer.disconnect();
      }
      parts.push(runView({
        run, overlay, digits, layerFilter: state.layerFilter, live: run === live,
        reuseRow: (layer) => {
          const row = rows.drawn.get(layer);
          if (!row || rows.visible.has(layer)) return null;
          rows.stale.add(layer);
          return row;
        },
        // Thumbnails of every layer: redrawn at most once a second while a run goes on (or when the view changed).
        reuseOverview: () => (rows.overview && performance.now() - rows.overview.at < 1000 ? rows.overview.el : null),
        overviewDrawn: (el) => { rows.overview = { el, at: performance.now() }; },
        rowDrawn: (layer, row) => {
          const old = rows.drawn.get(layer);
          if (old && old !== row) rows.observer.unobserve(old);
          rows.drawn.set(layer, row);
          rows.stale.delete(layer);
          rows.observer.observe(row);
        },
      }));
    }
  }
  content.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  // How long the last redraw took (the UI steps check it stays small while a deep model trains).
  content.dataset.renderMs = (performance.now() - started).toFixed(1);
  if (focusedFilter) {
    const f = document.getElementById('layer-filter') as HTMLInputElement | null;
    f?.focus();
    f?.setSelectionRange(f.value.length, f.value.length);
  }
}

function onStudioMessage(m: StudioHostToWebview): void {
  switch (m.type) {
    case 'init':
      initialized = true;
      options = m.options;
      runs = m.runs;
      settings = m.settings;
      live = m.live ? fromWire(m.live) : null;
      experiment = m.experiment ?? null;
      if (m.show) {
        for (const r of m.show.runs) loaded.set(r.info.name, fromWire(r));
        save(m.show.view === 'run' ? { shown: m.show.runs[0]?.info.name ?? null, view: 'run' } : { compare: m.show.runs.map((r) => r.info.name), view: 'compare' });
      }
      if (!m.show && live && !state.shown) save({ shown: live.info.name });
      // After a reload the page asks again for the saved runs it was showing.
      ensureLoaded([state.shown, state.overlay].filter((n): n is string => !!n && runs.some((r) => r.name === n)), 'open');
      if (state.view === 'compare') ensureLoaded(state.compare.filter((n) => runs.some((r) => r.name === n)), 'compare');
      if (state.form.dataset.kind === 'csv') vscode.postMessage({ type: 'csvColumns', file: state.form.dataset.file });
      renderSide();
      requestRender();
      return;
    case 'options':
      options = m.options;
      renderSide();
      return;
    case 'runs':
      runs = m.runs;
      // A run the user deleted leaves the selections.
      save({ compare: state.compare.filter((n) => runs.some((r) => r.name === n)), overlay: state.overlay && runs.some((r) => r.name === state.overlay) ? state.overlay : null });
      // The list only: the form may be in use (an open drop-down would close if it were redrawn).
      renderList();
      requestRender();
      return;
    case 'liveStarted':
      live = fromWire(m.run);
      save({ shown: m.run.info.name, view: 'run' });
      renderSide();
      requestRender();
      return;
    case 'runUpdate': {
      if (!live || live.info.name !== m.update.name) return;
      const before = live.info.status;
      live = applyUpdate(live, m.update);
      if (!['running', 'paused'].includes(live.info.status)) {
        // Ended: it is a saved run from now on.
        loaded.set(live.info.name, live);
      }
      if (before !== live.info.status) renderSide();
      else if (performance.now() - lastSideRender > 1000) renderList();
      if (state.view === 'run' && (state.shown === live.info.name || state.overlay === live.info.name)) requestRender();
      else if (state.view === 'compare' && state.compare.includes(live.info.name)) requestRender();
      return;
    }
    case 'runData':
      for (const r of m.runs) loaded.set(r.info.name, fromWire(r));
      if (m.purpose === 'open' && m.runs[0]) save({ shown: m.runs[0].info.name, view: 'run' });
      renderList();
      requestRender();
      return;
    case 'experiment': {
      experiment = m.experiment;
      const done = m.experiment.current >= m.experiment.runs.length || m.experiment.cancelled;
      const names = m.experiment.runs.slice(0, Math.min(m.experiment.current + 1, m.experiment.runs.length)).map((r) => r.name);
      // When the last run ends, the comparison opens by itself.
      if (done && names.length > 1) showCompare(names.filter((n) => runs.some((r) => r.name === n) || runOf(n)));
      renderSide();
      requestRender();
      return;
    }
    case 'csvColumns': {
      csvColumns.set(m.file, m.columns);
      const f = state.form;
      if (f.dataset.kind === 'csv' && f.dataset.file === m.file && !m.columns.includes(f.dataset.labelColumn)) save({ form: { ...f, dataset: { ...f.dataset, labelColumn: m.labelGuess } } });
      renderSide();
      return;
    }
    case 'problem':
      problem = m.message;
      renderList();
      requestRender();
      return;
    case 'busy':
      return;
    case 'revealLayer':
      save({ view: 'run', shown: m.run, layerFilter: '' });
      ensureLoaded([m.run], 'open');
      renderSide();
      renderContent();
      document.querySelector(`.layer-row[data-layer="${CSS.escape(m.layer)}"]`)?.scrollIntoView({ block: 'start' });
      return;
  }
}

let logFilter = '';
let lastLogs: Extract<LogsHostToWebview, { type: 'logs' }> | null = null;
let watched: { readonly runs: readonly WatchedRun[] } | null = null;
/** A log written by python/bnlens opens on its layers; the tag view stays one click away. */
let logsMode: 'layers' | 'tags' = 'layers';

function renderLogs(): void {
  const m = lastLogs;
  if (!m) return;
  // Exported charts are titled with the log they come from.
  setExportFile(m.source);
  const layers = watched !== null && logsMode === 'layers';
  const filter = h('input', { type: 'search', placeholder: layers ? 'Filter layers' : 'Filter tags', 'aria-label': layers ? 'Filter layers' : 'Filter tags', value: logFilter });
  const body = (): HTMLElement => (watched && layers ? watchedView(watched.runs, m.settings.significantDigits, logFilter) : logsView(m.logs, m.settings.significantDigits, logFilter));
  const holder = h('div', {}, body());
  filter.addEventListener('input', () => {
    logFilter = filter.value;
    holder.replaceChildren(body());
  });
  const toggle = watched ? link(layers ? 'Show all tags' : 'Show normalization layers', layers ? 'Show every tag as TensorBoard lists them' : 'Show the layers logged by bnlens', () => {
    logsMode = layers ? 'tags' : 'layers';
    renderLogs();
  }, { id: 'logs-mode' }) : null;
  // A problem still standing is sent again right after this message; one that was fixed is dropped here.
  const hadFocus = document.activeElement === app.querySelector('input[type=search]');
  const what = watched ? `${watched.runs.length} watched run${watched.runs.length === 1 ? '' : 's'} (${watched.runs.map((r) => r.label).join(', ')}) · ` : '';
  app.replaceChildren(
    h('header', { class: 'logs-header' }, h('h1', {}, `TensorBoard log: ${m.source}`),
      h('p', { class: 'facts-line', role: 'status' }, `${what}${m.files.length} event file${m.files.length === 1 ? '' : 's'} · ${m.logs.scalars.length} scalar tags · ${m.logs.histograms.length} histogram tags${m.following ? ' · following: new events and files appear as they are written' : ''}`)),
    h('div', { class: 'toolbar' }, filter, toggle), holder);
  if (hadFocus) filter.focus();
}

function onLogsMessage(m: LogsHostToWebview): void {
  if (m.type === 'logsError') {
    const existing = app.querySelector('.log-error');
    const alert = h('div', { class: 'error log-error', role: 'alert' }, h('strong', {}, `BN Lens: ${m.source}`), h('p', { class: 'message' }, m.message));
    if (existing) existing.replaceWith(alert);
    else app.prepend(alert);
    return;
  }
  if (m.type === 'watched') watched = { runs: unpackWatched(m.watched) };
  else lastLogs = m;
  renderLogs();
}

window.addEventListener('message', (event: MessageEvent<StudioHostToWebview | LogsHostToWebview>) => {
  const m = event.data;
  if (m.type === 'logs' || m.type === 'logsError' || m.type === 'watched') {
    onLogsMessage(m);
    return;
  }
  if (!app.contains(side)) app.replaceChildren(h('div', { class: 'studio' }, side, content));
  onStudioMessage(m);
});

// The heatmaps take their colours from the theme when drawn: a theme change (the body's class) redraws them.
new MutationObserver(() => requestRender()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

/** For the tests and the curious: what the page shows, in words. */
(window as unknown as { __bnlensStudio: () => string }).__bnlensStudio = () => {
  const run = runOf(state.shown) ?? live;
  return run ? `${run.info.name}: ${statusText(run)}` : 'no run';
};

vscode.postMessage({ type: 'ready' });
