// Finding 7 of issue 12: messages from the webviews are checked against the protocol's types where
// they enter the host; anything else is dropped before it is used.

import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM } from '../../../src/shared/runs/studioForm';
import { inspectorMessage, logsMessage, sidebarMessage, studioMessage } from '../../../src/extension/messageGuards';

describe('webview message guards', () => {
  it('pass every message type in its documented shape', () => {
    const chart = { name: 'bn1 histogram', format: 'png', data: new Uint8Array([1, 2]) };
    for (const m of [{ type: 'ready' }, { type: 'reload' }, { type: 'runProbe', batchSize: 8, seed: 0, withFile: false }, { type: 'cancelProbe' },
      { type: 'recalibrate', batchSize: 32 }, { type: 'saveRecalibrated' }, { type: 'saveChart', ...chart }, { type: 'exportTable', what: 'channels' }]) {
      expect(inspectorMessage(m)).toBe(m);
    }
    for (const m of [{ type: 'ready' }, { type: 'start', form: DEFAULT_FORM }, { type: 'pause' }, { type: 'resume' }, { type: 'stop' },
      { type: 'runExperiment', id: 'bn-vs-none', form: { ...DEFAULT_FORM, dataset: { kind: 'csv', file: 'data/x.csv', labelColumn: 'y' } } },
      { type: 'loadRuns', names: ['2026-01-01-mlp'], purpose: 'compare' }, { type: 'exportRun', name: 'r1', format: 'csv' }, { type: 'deleteRun', name: 'r1' },
      { type: 'csvColumns', file: 'data/x.csv' }, { type: 'openFile', file: 'specs/a.bnlens.json' }, { type: 'refresh' }, { type: 'saveChart', ...chart }]) {
      expect(studioMessage(m)).toBe(m);
    }
    expect(sidebarMessage({ type: 'openLayer', layer: 'bn1' })).toEqual({ type: 'openLayer', layer: 'bn1' });
    expect(logsMessage({ type: 'saveChart', ...chart })).not.toBeNull();
  });

  it.each([
    ['not an object', 'ready'],
    ['an unknown type', { type: 'rm -rf' }],
    ['a type from another panel', { type: 'openLayer', layer: 'x' }],
    ['a prototype key as type', { type: 'toString' }],
    ['a missing field', { type: 'runProbe', batchSize: 8, seed: 0 }],
    ['a field of the wrong type', { type: 'recalibrate', batchSize: '32' }],
    ['a batch size of 0', { type: 'recalibrate', batchSize: 0 }],
    ['a value outside the union', { type: 'exportTable', what: 'everything' }],
    ['chart data that is not bytes', { type: 'saveChart', name: 'c', format: 'png', data: [1, 2] }],
    ['an extra field', { type: 'cancelProbe', extra: 1 }],
  ])('drop an inspector message with %s', (_what, m) => {
    expect(inspectorMessage(m)).toBeNull();
  });

  it.each([
    ['a run name that climbs out', { type: 'exportRun', name: '../../..', format: 'csv' }],
    ['a run name with a slash', { type: 'deleteRun', name: 'a/b' }],
    ['a run name list holding a path', { type: 'loadRuns', names: ['ok', '../x'], purpose: 'open' }],
    ['a file outside the workspace', { type: 'openFile', file: '../../etc/passwd' }],
    ['an absolute file', { type: 'csvColumns', file: '/etc/passwd' }],
    ['a file with a NUL', { type: 'openFile', file: 'a\0b' }],
    ['a CSV dataset outside the workspace', { type: 'start', form: { ...DEFAULT_FORM, dataset: { kind: 'csv', file: '..\\..\\x.csv', labelColumn: 'y' } } }],
    ['an unknown optimizer', { type: 'start', form: { ...DEFAULT_FORM, optimizer: 'lbfgs' } }],
    ['a learning rate of NaN', { type: 'start', form: { ...DEFAULT_FORM, lr: NaN } }],
    ['an unknown experiment', { type: 'runExperiment', id: 'all', form: DEFAULT_FORM }],
  ])('drop a studio message with %s', (_what, m) => {
    expect(studioMessage(m)).toBeNull();
  });
});
