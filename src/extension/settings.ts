// Reads the `bnlens.*` configuration section (declared in package.json's contributes.configuration).

import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import { readKernelBinaries } from '../analysis/kernelFiles';
import { isKernelChoice, type KernelSetup } from '../engine/kernels/select';
import type { ViewSettings } from '../protocol';

export function viewSettings(): ViewSettings {
  const config = vscode.workspace.getConfiguration('bnlens');
  const digits = config.get<number>('display.significantDigits', 4);
  // Clamp: toPrecision accepts 1–100, and more than 9 digits of a float32 is noise.
  return { significantDigits: Math.min(9, Math.max(1, Math.round(digits))) };
}

/**
 * The engine's kernels for a probe or training worker: `bnlens.engine.kernels` (auto | wasm | js, read
 * at each job, so a change applies to the next one), the WebAssembly binaries shipped in dist/, and two
 * threads where the machine has two cores.
 */
export async function kernelSetup(extensionUri: vscode.Uri): Promise<KernelSetup> {
  const value = vscode.workspace.getConfiguration('bnlens').get<string>('engine.kernels', 'auto');
  const choice = isKernelChoice(value) ? value : 'auto';
  const binaries = choice === 'js' ? undefined : await readKernelBinaries(vscode.Uri.joinPath(extensionUri, 'dist').fsPath);
  return { choice, threads: Math.min(2, availableParallelism()), ...(binaries ? { binaries } : {}) };
}
