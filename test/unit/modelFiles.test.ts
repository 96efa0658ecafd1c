import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isModelFile } from '../../src/extension/modelFiles';
import { REPO_ROOT } from './fixtures';

interface Selector { filenamePattern: string }
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: { customEditors: { viewType: string; priority: string; selector: Selector[] }[] };
};

/** A file name each custom-editor glob matches. */
function example(pattern: string): string {
  return pattern.replace('**/', 'some/folder/').replace(/^\*/, 'checkpoint').replace(/\*$/, '1795477187.host.1234.0');
}

describe('model files', () => {
  const patterns = pkg.contributes.customEditors.flatMap((e) => e.selector.map((s) => s.filenamePattern));

  it.each(patterns)('the side panel follows files the custom editor opens: %s', (pattern) => {
    expect(isModelFile(example(pattern))).toBe(true);
  });

  it('leaves other files alone', () => {
    for (const name of ['src/model.ts', 'README.md', 'package.json', 'model.json.bak', 'data.csv']) expect(isModelFile(name)).toBe(false);
  });

  it('gives each priority its own viewType, as VS Code requires', () => {
    const editors = pkg.contributes.customEditors;
    expect(new Set(editors.map((e) => e.viewType)).size).toBe(editors.length);
    expect(editors.find((e) => e.priority === 'default')?.selector.map((s) => s.filenamePattern)).toEqual(['*.onnx', '*.safetensors', '*.pt', '*.pth', '*.keras', '*.h5', '*.hdf5', 'events.out.tfevents.*']);
  });
});
