import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { probeSummary } from '../../../webview/probeView';
import type { ProbeResult } from '../../../src/protocol';

// The unit tests run in Node without a DOM: a minimal document, enough for webview/dom.ts's h() on the
// parts of the summary drawn here (no layers, so no tables or charts).
class FakeText {
  constructor(readonly textContent: string) {}
}

class FakeElement {
  readonly attributes = new Map<string, string>();
  readonly children: (FakeElement | FakeText)[] = [];
  readonly classList = { add: (c: string): void => { this.attributes.set('class', `${this.attributes.get('class') ?? ''} ${c}`.trim()); } };
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  append(...nodes: (FakeElement | FakeText)[]): void {
    this.children.push(...nodes);
  }
  addEventListener(): void {}
  get textContent(): string {
    return this.children.map((c) => c.textContent).join('');
  }
  /** Every element under this one (depth first) that has `attribute`. */
  withAttribute(attribute: string): FakeElement[] {
    return this.children.flatMap((c) => (c instanceof FakeElement ? [...(c.attributes.has(attribute) ? [c] : []), ...c.withAttribute(attribute)] : []));
  }
}

beforeAll(() => {
  vi.stubGlobal('document', {
    createElement: (tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => new FakeText(text),
  });
});
afterAll(() => {
  vi.unstubAllGlobals();
});

function result(kernels?: ProbeResult['kernels']): ProbeResult {
  return {
    fold: null, batchSize: 8, inputShape: [8, 3, 32, 32], randomInput: true, layers: [],
    output: { shape: [8, 10], maxAbsDifference: 0.5, meanAbsDifference: 0.1, argmaxAgreement: 0.75 },
    ...(kernels ? { kernels } : {}),
  };
}

function kernelLines(kernels?: ProbeResult['kernels']): FakeElement[] {
  const summary = probeSummary(result(kernels), 'random normal, batch 8, seed 0', 4, () => {}) as unknown as FakeElement;
  return summary.withAttribute('data-kernels');
}

describe('probeSummary: the kernels line', () => {
  it('names the WebAssembly backend and its threads', () => {
    const [line, ...more] = kernelLines({ name: 'wasm-relaxed-simd', threads: 2 });
    expect(more).toHaveLength(0);
    expect(line.tagName).toBe('p');
    expect(line.getAttribute('data-kernels')).toBe('wasm-relaxed-simd');
    expect(line.getAttribute('data-threads')).toBe('2');
    expect(line.textContent).toBe('Computed on the WebAssembly relaxed-SIMD kernels, 2 threads.');
    expect(kernelLines({ name: 'wasm-simd', threads: 1 })[0].textContent).toBe('Computed on the WebAssembly SIMD kernels, 1 thread.');
  });

  it('says when the JavaScript kernels were asked for, and why when they were not', () => {
    const [asked] = kernelLines({ name: 'js', threads: 1 });
    expect(asked.getAttribute('data-kernels')).toBe('js');
    expect(asked.getAttribute('data-threads')).toBe('1');
    expect(asked.textContent).toBe('Computed on the JavaScript reference kernels, 1 thread (bnlens.engine.kernels: js).');
    const [fallback] = kernelLines({ name: 'js', threads: 1, note: 'JavaScript kernels: the WebAssembly kernels (dist/kernels-*.wasm) were not found' });
    expect(fallback.textContent).toBe('Computed on the JavaScript reference kernels, 1 thread; JavaScript kernels: the WebAssembly kernels (dist/kernels-*.wasm) were not found.');
  });

  it('appends the note to a WebAssembly line', () => {
    const [line] = kernelLines({ name: 'wasm-simd', threads: 1, note: 'one thread: the kernel helper threads did not start (no Worker)' });
    expect(line.textContent).toBe('Computed on the WebAssembly SIMD kernels, 1 thread; one thread: the kernel helper threads did not start (no Worker).');
  });

  it('is absent when the result does not say which kernels ran', () => {
    expect(kernelLines(undefined)).toHaveLength(0);
  });
});
