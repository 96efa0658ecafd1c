// The WebAssembly kernels as the build leaves them beside the bundles (dist/kernels-*.wasm), read for
// the engine, which does no file I/O itself. Missing files are not an error here: 'auto' then runs the
// JavaScript kernels and says why.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelBinaries } from '../engine/kernels/wasm/runtime';

export async function readKernelBinaries(distDir: string): Promise<KernelBinaries | undefined> {
  try {
    const [simd, relaxed] = await Promise.all(['simd', 'relaxed'].map((v) => readFile(join(distDir, `kernels-${v}.wasm`))));
    return { simd: new Uint8Array(simd), relaxed: new Uint8Array(relaxed) };
  } catch {
    return undefined;
  }
}
