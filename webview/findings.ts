// The findings list: each anomaly in one sentence, linked to its layer.

import type { Anomaly } from '../src/protocol';
import { h } from './dom';

export function findingsSection(anomalies: readonly Anomaly[], onSelect: (layer: string) => void): HTMLElement {
  const warnings = anomalies.filter((a) => a.severity === 'warning').length;
  const section = h('section', { class: 'findings', 'aria-label': 'Findings' },
    h('h2', {}, anomalies.length ? `Findings: ${warnings} warning${warnings === 1 ? '' : 's'}, ${anomalies.length - warnings} note${anomalies.length - warnings === 1 ? '' : 's'}` : 'Findings: none'));
  if (!anomalies.length) return section;
  const list = h('ul', {});
  for (const a of anomalies) {
    const item = h('li', { class: `finding ${a.severity}`, 'data-code': a.code },
      h('span', { class: 'severity' }, a.severity === 'warning' ? '⚠' : 'ℹ'), ' ');
    if (a.layer) {
      const link = h('button', { type: 'button', class: 'link' }, a.layer);
      const layer = a.layer;
      link.addEventListener('click', () => onSelect(layer));
      item.append(link, ': ');
    }
    item.append(a.message);
    list.append(item);
  }
  section.append(list);
  return section;
}

/** Findings per layer, for the table's flag column. */
export function findingsByLayer(anomalies: readonly Anomaly[]): Map<string, Anomaly[]> {
  const byLayer = new Map<string, Anomaly[]>();
  for (const a of anomalies) {
    if (a.layer) byLayer.set(a.layer, [...(byLayer.get(a.layer) ?? []), a]);
  }
  return byLayer;
}
