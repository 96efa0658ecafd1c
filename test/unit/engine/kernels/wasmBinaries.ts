// The WebAssembly kernels as the extension ships them: dist/kernels-*.wasm, (re)built from the
// AssemblyScript sources by scripts/build-wasm.mjs when missing or stale (a no-op when up to date).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KernelBinaries } from '../../../../src/engine/kernels/wasm/runtime';

const root = resolve(__dirname, '../../../..');

export function kernelBinaries(): KernelBinaries {
  execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { cwd: root, stdio: 'pipe' });
  return {
    simd: new Uint8Array(readFileSync(join(root, 'dist/kernels-simd.wasm'))),
    relaxed: new Uint8Array(readFileSync(join(root, 'dist/kernels-relaxed.wasm'))),
  };
}
