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
  { key: null, label: 'Momentum (as written)' },
  { key: 'momentum', label: 'Momentum (PyTorch)', numeric: true },
  { key: null, label: 'Affine' },
  { key: null, label: 'Mode' },
  { key: null, label: 'Position' },
];

function sortValue(layer: LayerSummary, index: number, key: SortKey): number | string {
  switch (key) {
    case 'index': return index;
    case 'name': return layer.name.toLowerCase();
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
    .filter(({ layer }) => !needle || `${layer.name} ${layer.kind} ${layer.op}`.toLowerCase().includes(needle));
  rows.sort((a, b) => {
    const va = sortValue(a.layer, a.index, opts.sortKey);
    const vb = sortValue(b.layer, b.index, opts.sortKey);
    const order = va < vb ? -1 : va > vb ? 1 : a.index - b.index;
    return opts.sortDescending ? -order : order;
  });
  return rows.map((r) => r.layer);
}

function momentumText(layer: LayerSummary, digits: number): string {
  if (layer.momentum === null) return '—';
  const written = formatNumber(layer.momentum, digits);
  return `${written} (${layer.momentumConvention === 'keras' ? 'Keras/ONNX' : 'PyTorch'})`;
}

function position(layer: LayerSummary): string {
  const parts = [layer.after ? `after ${layer.after}` : null, layer.before ? `before ${layer.before}` : null].filter(Boolean);
  return parts.length ? parts.join(', ') : '—';
}

function flagCell(found: readonly Anomaly[]): HTMLTableCellElement {
  if (!found.length) return h('td', { class: 'flags' }, '');
  const warnings = found.filter((a) => a.severity === 'warning').length;
  return h('td', { class: `flags ${warnings ? 'warning' : 'info'}`, title: found.map((a) => a.message).join('\n') },
    `${warnings ? '⚠' : 'ℹ'} ${found.length}`);
}

export function layerTable(opts: TableOptions): HTMLTableElement {
  const indexOf = new Map(opts.layers.map((l, i) => [l.name, i]));
  const head = h('tr', {}, ...COLUMNS.map((col) => {
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

  const rows = visibleLayers(opts).map((layer) => {
    const selected = layer.name === opts.selected;
    const tr = h('tr', {
      'data-layer': layer.name,
      tabindex: selected ? '0' : '-1',
      'aria-selected': String(selected),
      class: selected ? 'selected' : undefined,
    },
      h('td', { class: 'numeric' }, String((indexOf.get(layer.name) ?? 0) + 1)),
      h('td', { class: 'name' }, layer.name),
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
  });

  const table = h('table', { id: 'layers', role: 'grid', 'aria-label': 'Normalization layers' },
    h('thead', {}, head), h('tbody', {}, ...rows));
  table.addEventListener('keydown', (event) => {
    const current = (event.target as HTMLElement).closest('tr[data-layer]');
    if (!current) return;
    const next = event.key === 'ArrowDown' ? current.nextElementSibling
      : event.key === 'ArrowUp' ? current.previousElementSibling : null;
    if (next instanceof HTMLTableRowElement && next.dataset.layer) {
      event.preventDefault();
      opts.onSelect(next.dataset.layer);
    }
  });
  return table;
}
