// The inspector's long jobs — the probe and recalibration — each in a worker thread behind a progress
// notification with Cancel. The last results per file are kept so a re-shown inspector (its webview
// was discarded while hidden) gets them back without running again.

import * as vscode from 'vscode';
import type { ProbeResult } from '../analysis/probe';
import type { RecalibrationResult } from '../analysis/recalibrate';
import { ProbeCancelled, startProbe, startRecalibration, type WorkerRun } from '../analysis/worker/probeClient';
import { replaceInitializers } from '../formats/onnx/writer';
import { saveNextTo } from './saveFile';
import type { HostToWebview, ProbeRequest } from '../protocol';
import type { Log } from './log';
import { displayName, modelSource } from './modelSource';
import { kernelSetup } from './settings';
import { messageOf } from '../shared/errors';

export interface ProbeOutcome {
  readonly result: ProbeResult;
  /** What the batch was, in words: "random normal, batch 8, seed 0" or the data file's name. */
  readonly source: string;
}

export interface RecalibrationOutcome {
  readonly result: RecalibrationResult;
  readonly source: string;
}

type Post = (message: HostToWebview) => Thenable<boolean>;

export class ModelJobs {
  private readonly running = new Map<string, WorkerRun<unknown>>();
  private readonly results = new Map<string, ProbeOutcome>();
  private readonly recalibrations = new Map<string, RecalibrationOutcome>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: Log) {}

  last(uri: vscode.Uri): ProbeOutcome | undefined {
    return this.results.get(uri.toString());
  }

  lastRecalibration(uri: vscode.Uri): RecalibrationOutcome | undefined {
    return this.recalibrations.get(uri.toString());
  }

  cancel(uri: vscode.Uri): void {
    this.running.get(uri.toString())?.cancel();
  }

  async run(uri: vscode.Uri, request: ProbeRequest, post: Post): Promise<void> {
    const key = uri.toString();
    if (this.running.has(key)) return;
    const file = displayName(uri);
    let input: { file: string; bytes: Uint8Array } | undefined;
    if (request.withFile) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false, openLabel: 'Probe with this batch', title: `BN Lens: a batch for ${file}`,
        filters: { 'NumPy arrays': ['npy', 'npz'] },
      });
      if (!picked?.[0]) return;
      input = { file: displayName(picked[0]), bytes: await vscode.workspace.fs.readFile(picked[0]) };
    }
    const source = input ? input.file : `random normal, batch ${request.batchSize}, seed ${request.seed}`;
    const model = await modelSource(uri);
    const kernels = await kernelSetup(this.extensionUri);
    await post({ type: 'probeRunning' });
    await this.inWorker(key, `probing ${file} (${source})`,
      () => startProbe(this.workerPath(), { file, bytes: model.bytes, batchSize: request.batchSize, seed: request.seed, bins: 64, kernels, ...(input ? { input } : {}) },
        (path) => model.readSibling(path)),
      async (result) => {
        this.results.set(key, { result, source });
        const on = result.kernels ? ` on the ${result.kernels.name} kernels (${result.kernels.threads} thread(s))${result.kernels.note ? `; ${result.kernels.note}` : ''}` : '';
        this.log.info(`${file}: probed ${result.layers.length} normalization layer(s) with ${source}${on}`);
        await post({ type: 'probe', result, source });
      },
      async (message, cancelled) => {
        if (!cancelled) void vscode.window.showErrorMessage(`BN Lens could not probe ${file}: ${message}`);
        await post({ type: 'probeFailed', message, cancelled });
      });
  }

  /** Re-estimates the running statistics from a .npy/.npz of samples the user picks. */
  async recalibrate(uri: vscode.Uri, batchSize: number, post: Post): Promise<void> {
    const key = uri.toString();
    if (this.running.has(key)) return;
    const file = displayName(uri);
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: 'Recalibrate with this data', title: `BN Lens: samples to recalibrate ${file} with ([N, …] in the model's input layout)`,
      filters: { 'NumPy arrays': ['npy', 'npz'] },
    });
    if (!picked?.[0]) return;
    const input = { file: displayName(picked[0]), bytes: await vscode.workspace.fs.readFile(picked[0]) };
    const source = `${input.file} in batches of ${batchSize}`;
    const model = await modelSource(uri);
    const kernels = await kernelSetup(this.extensionUri);
    await post({ type: 'recalibrationRunning' });
    await this.inWorker(key, `recalibrating ${file} with ${source}`,
      () => startRecalibration(this.workerPath(), { file, bytes: model.bytes, batchSize, input, kernels }, (path) => model.readSibling(path)),
      async (result) => {
        this.recalibrations.set(key, { result, source });
        this.log.info(`${file}: recalibrated ${result.layers.length} BatchNorm layer(s) from ${result.samples} samples in ${result.batches} batches (${result.variance} variance)`);
        await post({ type: 'recalibrated', result, source });
      },
      async (message, cancelled) => {
        if (!cancelled) void vscode.window.showErrorMessage(`BN Lens could not recalibrate ${file}: ${message}`);
        await post({ type: 'recalibrationFailed', message, cancelled });
      });
  }

  /** Saves a copy of the ONNX file with the recalibrated running statistics, next to it. */
  async saveRecalibrated(uri: vscode.Uri): Promise<void> {
    const outcome = this.recalibrations.get(uri.toString());
    if (!outcome) return;
    const file = displayName(uri);
    const replacements = new Map<string, Float32Array>();
    for (const l of outcome.result.layers) {
      if (!l.meanTensor || !l.varianceTensor) {
        void vscode.window.showErrorMessage(`BN Lens cannot write ${file}: layer ${l.name} has no stored running statistics to replace.`);
        return;
      }
      replacements.set(l.meanTensor, l.after.mean);
      replacements.set(l.varianceTensor, l.after.variance);
    }
    try {
      const bytes = replaceInitializers(file, await vscode.workspace.fs.readFile(uri), replacements);
      const base = uri.path.slice(uri.path.lastIndexOf('/') + 1).replace(/\.onnx$/i, '');
      await saveNextTo(uri, `${base}.recalibrated.onnx`, bytes, { 'ONNX model': ['onnx'] });
    } catch (error) {
      this.log.error(`Could not write the recalibrated copy of ${file}`, error);
      void vscode.window.showErrorMessage(`BN Lens could not write the recalibrated copy of ${file}: ${messageOf(error)}`);
    }
  }

  private workerPath(): string {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'probeWorker.js').fsPath;
  }

  /** One worker job behind a cancellable progress notification; failures are logged and handed to onFailure. */
  private async inWorker<T>(key: string, title: string, start: () => WorkerRun<T>, onResult: (result: T) => Promise<void>, onFailure: (message: string, cancelled: boolean) => Promise<void>): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `BN Lens: ${title}`, cancellable: true }, async (_progress, token) => {
      const run = start();
      this.running.set(key, run);
      const subscription = token.onCancellationRequested(() => run.cancel());
      try {
        await onResult(await run.result);
      } catch (error) {
        const cancelled = error instanceof ProbeCancelled;
        if (!cancelled) this.log.error(`BN Lens: ${title} failed`, error);
        await onFailure(messageOf(error), cancelled);
      } finally {
        subscription.dispose();
        this.running.delete(key);
      }
    });
  }
}
