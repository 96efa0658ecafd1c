// The table of normalization layers: sortable by column, filterable by name/kind, keyboard-navigable
// (arrow keys move the selection, like a list in VS Code).

import type { Anomaly, LayerSummary, SortKey } from '../src/protocol';
import { h } from './dom';
import { formatFlag, formatNumber } from './format';

export interface TableOptions {
  readonly layers: readonly LayerSummary[];
  readonly selected: string | null;
  readonly filter: string;
  readonly sortKey: SortKey;
  readonly sortDescending: boolean;
  readonly digits: number;
  /** Findings per layer name. */
  readonly flags: ReadonlyMap<string, readonly Anomaly[]>;
  onSelect(name: string): void;
  onSort(key: SortKey): void;
}

const COLUMNS: { key: SortKey | null; label: string; numeric?: boolean }[] = [
  { key: 'index', label: '#', numeric: true },
  { key: 'name', label: 'Layer' },
  { key: null, label: 'Flags' },
  { key: 'kind', label: 'Kind' },
  { key: 'channels', label: 'Channels', numeric: true },
  { key: 'epsilon', label: 'ε', numeric: true },
  { key: null, label: 'Momentum (in the file)' },
  { key: 'momentum', label: 'Momentum (PyTorch)', numeric: true },
  { key: null, label: 'Affine' },
  { key: null, label: 'Mode' },
  { key: null, label: 'Position' },
];

function sortValue(layer: LayerSummary, index: number, key: SortKey): number | string {
  switch (key) {
    case 'index': return index;
    case 'name': return layer.label.toLowerCase();
    case 'kind': return layer.kind;
    case 'channels': return layer.channels ?? -1;
    case 'epsilon': return layer.epsilon ?? -1;
    case 'momentum': return layer.momentumPytorch ?? -1;
  }
}

export function visibleLayers(opts: Pick<TableOptions, 'layers' | 'filter' | 'sortKey' | 'sortDescending'>): LayerSummary[] {
  const needle = opts.filter.trim().toLowerCase();
  const rows = opts.layers
    .map((layer, index) => ({ layer, index }))
    .filter(({ layer }) => !needle || `${layer.label} ${layer.name} ${layer.kind} ${layer.op}`.toLowerCase().includes(needle));
  rows.sort((a, b) => {
    const va = sortValue(a.layer, a.index, opts.sortKey);
    const vb = sortValue(b.layer, b.index, opts.sortKey);
    const order = va < vb ? -1 : va > vb ? 1 : a.index - b.index;
    return opts.sortDescending ? -order : order;
  });
  return rows.map((r) => r.layer);
}

function momentumText(layer: LayerSummary, digits: number): string {
  if (layer.momentumNote) return layer.momentumNote;
  if (layer.momentum === null) return '—';
  const written = formatNumber(layer.momentum, digits);
  return `${written} (${layer.momentumConvention === 'keras' ? 'Keras/ONNX' : 'PyTorch'})`;
}

const ACTIVATION = /^(relu|relu6|leakyrelu|prelu|elu|selu|gelu|silu|swish|mish|sigmoid|tanh|hardsigmoid|hardswish|softplus|clip|activation)$/i;

const SHORT_KIND: Record<LayerSummary['kind'], string> = { BatchNorm: 'BN', LayerNorm: 'LN', GroupNorm: 'GN', InstanceNorm: 'IN' };

/** What feeds the layer and what it feeds, e.g. "Conv → BN → Relu (before activation)". */
export function position(layer: Pick<LayerSummary, 'after' | 'before' | 'kind'>): string {
  if (!layer.after && !layer.before) return '—';
  const chain = `${layer.after ?? '?'} → ${SHORT_KIND[layer.kind]} → ${layer.before ?? '?'}`;
  const relation = layer.after && ACTIVATION.test(layer.after) ? 'after activation'
    : layer.before && layer.before.split(',').some((op) => ACTIVATION.test(op)) ? 'before activation' : null;
  return relation ? `${chain} (${relation})` : chain;
}

function flagCell(found: readonly Anomaly[]): HTMLTableCellElement {
  if (!found.length) return h('td', { class: 'flags' }, '');
  const warnings = found.filter((a) => a.severity === 'warning').length;
  return h('td', { class: `flags ${warnings ? 'warning' : 'info'}`, title: found.map((a) => a.message).join('\n') },
    `${warnings ? '⚠' : 'ℹ'} ${found.length}`);
}

/** Row height in px (fixed by CSS), rows kept in view, and extra rows rendered above and below. */
const ROW_HEIGHT = 26;
const VIEW_ROWS = 16;
const OVERSCAN = 6;
/** The table's scroll offset survives re-renders (selecting a row re-renders the page). */
let keptScrollTop = 0;

function headerRow(opts: TableOptions): HTMLTableRowElement {
  return h('tr', { 'aria-rowindex': '1' }, ...COLUMNS.map((col) => {
    if (!col.key) return h('th', { scope: 'col' }, col.label);
    const active = col.key === opts.sortKey;
    const th = h('th', {
      scope: 'col',
      'aria-sort': active ? (opts.sortDescending ? 'descending' : 'ascending') : 'none',
      class: col.numeric ? 'numeric' : undefined,
    });
    const button = h('button', { type: 'button', class: 'sort' }, col.label, active ? (opts.sortDescending ? ' ▾' : ' ▴') : '');
    const key = col.key;
    button.addEventListener('click', () => opts.onSort(key));
    th.append(button);
    return th;
  }));
}

function layerRow(layer: LayerSummary, rowIndex: number, fileIndex: number, opts: TableOptions): HTMLTableRowElement {
  const selected = layer.name === opts.selected;
  const tr = h('tr', {
    'data-layer': layer.name,
    'aria-rowindex': String(rowIndex + 2),
    tabindex: selected ? '0' : '-1',
    'aria-selected': String(selected),
    class: selected ? 'selected' : undefined,
  },
    h('td', { class: 'numeric' }, String(fileIndex + 1)),
    // The name users know (the parameters' prefix) with the graph's node name beside it when they differ.
    h('td', { class: 'name', title: layer.label === layer.name ? layer.name : `${layer.label} (node ${layer.name})` }, layer.label,
      layer.label === layer.name ? null : h('span', { class: 'muted node-name' }, ` ${layer.name}`)),
    flagCell(opts.flags.get(layer.name) ?? []),
    h('td', {}, layer.kind),
    h('td', { class: 'numeric channels' }, layer.channels === null ? '—' : String(layer.channels)),
    h('td', { class: 'numeric epsilon' }, formatNumber(layer.epsilon, opts.digits)),
    h('td', {}, momentumText(layer, opts.digits)),
    h('td', { class: 'numeric' }, formatNumber(layer.momentumPytorch, opts.digits)),
    h('td', {}, formatFlag(layer.affine)),
    h('td', {}, layer.training === null ? '—' : layer.training ? 'training' : 'inference'),
    h('td', {}, position(layer)),
  );
  tr.addEventListener('click', () => opts.onSelect(layer.name));
  return tr;
}

function spacer(rows: number): HTMLTableRowElement | null {
  if (rows <= 0) return null;
  const td = h('td', { colspan: String(COLUMNS.length) });
  td.style.height = `${rows * ROW_HEIGHT}px`;
  return h('tr', { class: 'spacer', 'aria-hidden': 'true' }, td);
}

/**
 * The table, virtualized: only the rows in view (plus a margin) are in the DOM, so a model with
 * hundreds of normalization layers paints as fast as one with ten.
 */
export function layerTable(opts: TableOptions): HTMLElement {
  const indexOf = new Map(opts.layers.map((l, i) => [l.name, i]));
  const shown = visibleLayers(opts);
  const body = h('tbody', {});
  const table = h('table', { id: 'layers', role: 'grid', 'aria-label': 'Normalization layers', 'aria-rowcount': String(shown.length + 1) },
    h('thead', {}, headerRow(opts)), body);
  const scroller = h('div', { class: 'table-scroll' }, table);
  scroller.style.maxHeight = `${(VIEW_ROWS + 1) * ROW_HEIGHT + 4}px`;

  let rendered = '';
  const renderWindow = (): void => {
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(shown.length, first + VIEW_ROWS + 2 * OVERSCAN);
    if (rendered === `${first}:${last}`) return;
    rendered = `${first}:${last}`;
    const rows = shown.slice(first, last).map((layer, k) => layerRow(layer, first + k, indexOf.get(layer.name) ?? 0, opts));
    body.replaceChildren(...[spacer(first), ...rows, spacer(shown.length - last)].filter((r): r is HTMLTableRowElement => r !== null));
  };

  // Keep the offset the user scrolled to, but bring the selected row into view.
  const selectedIndex = shown.findIndex((l) => l.name === opts.selected);
  let top = keptScrollTop;
  if (selectedIndex >= 0) {
    const rowTop = selectedIndex * ROW_HEIGHT;
    if (rowTop < top) top = rowTop;
    if (rowTop > top + (VIEW_ROWS - 1) * ROW_HEIGHT) top = rowTop - (VIEW_ROWS - 1) * ROW_HEIGHT;
  }
  requestAnimationFrame(() => {
    scroller.scrollTop = top;
    renderWindow();
  });
  renderWindow();
  scroller.addEventListener('scroll', () => {
    keptScrollTop = scroller.scrollTop;
    renderWindow();
  });

  table.addEventListener('keydown', (event) => {
    const current = (event.target as HTMLElement).closest<HTMLElement>('tr[data-layer]');
    if (!current) return;
    const i = shown.findIndex((l) => l.name === current.dataset.layer);
    const target = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + VIEW_ROWS, PageUp: i - VIEW_ROWS, Home: 0, End: shown.length - 1 }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = shown[Math.min(shown.length - 1, Math.max(0, target))];
    if (next && next.name !== current.dataset.layer) opts.onSelect(next.name);
  });
  return scroller;
}
