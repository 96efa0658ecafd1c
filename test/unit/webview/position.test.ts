import { describe, expect, it } from 'vitest';
import { position } from '../../../webview/layerTable';

describe('position', () => {
  it('says whether a normalization layer sits before or after its activation', () => {
    expect(position({ after: 'Conv', before: 'Relu' })).toBe('Conv → · → Relu (before activation)');
    expect(position({ after: 'Relu', before: 'Conv' })).toBe('Relu → · → Conv (after activation)');
    expect(position({ after: 'Conv', before: 'Add,MaxPool' })).toBe('Conv → · → Add,MaxPool');
    expect(position({ after: null, before: null })).toBe('—');
  });
});
