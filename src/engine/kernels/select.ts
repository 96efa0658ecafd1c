// Choosing the kernel backend for this thread: the user's setting (bnlens.engine.kernels, the CLI's
// --kernels or BNLENS_KERNELS) against what the runtime can do. 'auto' takes WebAssembly SIMD when it
// runs here and JavaScript otherwise; 'wasm' insists (and says why it cannot); 'js' forces the reference
// kernels, to rule them out when a number looks wrong.

import { jsKernels as jsNormKernels, setNormKernels } from '../norm/kernels';
import { NormThreadPool } from '../norm/parallel';
import { shareArraysFrom } from '../tensor';
import { jsKernels, setKernels } from './index';
import { createWasmKernels, type WasmKernels } from './wasm/kernels';
import { compileKernels, type KernelBinaries } from './wasm/runtime';

/**
 * With threads, arrays from this many elements (4 MiB of float32) are allocated on SharedArrayBuffers,
 * where BatchNorm's kernels split them across the threads. Measured on BatchNorm forward + backward,
 * one thread against two: [32,32,16,16] 1.19 vs 1.76 ms, [32,16,32,32] 4.22 vs 3.91, [32,64,28,28]
 * 12.1 vs 6.4; and a small CNN's training step whose activations were all shared from 2¹⁷ elements
 * took 32.8 instead of 28.6 ms.
 */
const SHARED_FROM = 1 << 20;

export const KERNEL_CHOICES = ['auto', 'wasm', 'js'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];

export function isKernelChoice(value: unknown): value is KernelChoice {
  return typeof value === 'string' && (KERNEL_CHOICES as readonly string[]).includes(value);
}

/** What a host hands the engine (also through a worker's messages: plain data). */
export interface KernelSetup {
  readonly choice: KernelChoice;
  /** The bytes of dist/kernels-*.wasm; without them only the JavaScript kernels can run. */
  readonly binaries?: KernelBinaries;
  /** Threads for the WebAssembly kernels, the caller's included (default 1). */
  readonly threads?: number;
}

/** Which backend runs, on how many threads, and why it is not the one asked for (if so). */
export interface KernelStatus {
  readonly name: string;
  readonly threads: number;
  readonly note?: string;
}

let installedWasm: WasmKernels | undefined;
let installedNormPool: NormThreadPool | undefined;

/**
 * Installs the backend `setup` asks for (closing a backend installed before). With more than one
 * thread, BatchNorm runs on as many (a NormThreadPool over the activations, which then live in
 * SharedArrayBuffers), so a training step splits its normalization as well as its convolutions.
 */
export async function installKernels(setup: KernelSetup): Promise<KernelStatus> {
  await installedWasm?.close();
  installedWasm = undefined;
  await installedNormPool?.close();
  installedNormPool = undefined;
  setNormKernels(jsNormKernels);
  shareArraysFrom(Infinity);
  if (setup.choice === 'js') {
    setKernels(jsKernels);
    return { name: jsKernels.name, threads: 1 };
  }
  const compiled = setup.binaries ? compileKernels(setup.binaries) : { reason: 'the WebAssembly kernels (dist/kernels-*.wasm) were not found' };
  if ('reason' in compiled) {
    if (setup.choice === 'wasm') throw new Error(`bnlens.engine.kernels is "wasm", but ${compiled.reason}`);
    setKernels(jsKernels);
    return { name: jsKernels.name, threads: 1, note: `JavaScript kernels: ${compiled.reason}` };
  }
  const threads = Math.max(1, Math.floor(setup.threads ?? 1));
  let note: string | undefined;
  let wasm: WasmKernels;
  try {
    wasm = await createWasmKernels(compiled, threads);
  } catch (e) {
    note = `one thread: the kernel helper threads did not start (${e instanceof Error ? e.message : String(e)})`;
    wasm = await createWasmKernels(compiled, 1);
  }
  installedWasm = wasm;
  setKernels(wasm);
  if (wasm.threads > 1) {
    try {
      installedNormPool = await NormThreadPool.create(wasm.threads - 1);
      setNormKernels(installedNormPool.kernels());
      shareArraysFrom(SHARED_FROM);
    } catch (e) {
      note = `BatchNorm on one thread: its helper threads did not start (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return { name: wasm.name, threads: wasm.threads, ...(note ? { note } : {}) };
}
