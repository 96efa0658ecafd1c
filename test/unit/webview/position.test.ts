import { describe, expect, it } from 'vitest';
import { position } from '../../../webview/layerTable';

describe('position', () => {
  it('says whether a normalization layer sits before or after its activation', () => {
    expect(position({ kind: 'BatchNorm', after: 'Conv', before: 'Relu' })).toBe('Conv → BN → Relu (before activation)');
    expect(position({ kind: 'LayerNorm', after: 'Relu', before: 'Conv' })).toBe('Relu → LN → Conv (after activation)');
    expect(position({ kind: 'BatchNorm', after: 'Conv', before: 'Add,MaxPool' })).toBe('Conv → BN → Add,MaxPool');
    expect(position({ kind: 'BatchNorm', after: null, before: null })).toBe('—');
  });
});
