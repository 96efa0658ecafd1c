// Our kernel backends for the benchmarks: the JavaScript reference, or the WebAssembly SIMD kernels as
// `npm run build` leaves them in dist/ (bench.mjs builds first), on one or two threads.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installKernels, type KernelChoice, type KernelStatus } from '../src/engine/kernels/select';

export async function useOurKernels(choice: KernelChoice, threads = 1): Promise<KernelStatus> {
  const dist = join(process.cwd(), 'dist');
  const binaries = {
    simd: new Uint8Array(readFileSync(join(dist, 'kernels-simd.wasm'))),
    relaxed: new Uint8Array(readFileSync(join(dist, 'kernels-relaxed.wasm'))),
  };
  const status = await installKernels({ choice, binaries, threads });
  if (choice !== 'js' && status.name === 'js') throw new Error(`the WebAssembly kernels do not run here: ${status.note}`);
  return status;
}

/** A label for reports: "js", "wasm-simd×1", "wasm-simd×2". */
export function kernelLabel(status: KernelStatus): string {
  return status.name === 'js' ? 'js' : `${status.name}×${status.threads}`;
}
