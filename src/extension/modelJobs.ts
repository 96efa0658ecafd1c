// The inspector's long jobs — the probe and recalibration — each in a worker thread behind a progress
// notification with Cancel. The last results per file are kept so a re-shown inspector (its webview
// was discarded while hidden) gets them back without running again.

import { trustedToWrite } from './trust';
import * as vscode from 'vscode';
import type { ProbeResult } from '../analysis/probe';
import type { RecalibrationResult } from '../analysis/recalibrate';
import { ProbeCancelled, startProbe, startRecalibration, type WorkerJob } from '../analysis/worker/probeClient';
import { replaceInitializers } from '../formats/onnx/writer';
import { saveNextTo } from './saveFile';
import type { HostToWebview, ProbeDataSettings, ProbeRequest } from '../protocol';
import { describeInput } from '../analysis/inputs/batch';
import { MAX_IMAGES, MAX_PROBE_IMAGES, type InputData } from '../analysis/inputs/gather';
import type { Log } from './log';
import { displayName, modelSource } from './modelSource';
import { kernelSetup } from './settings';
import { messageOf } from '../shared/errors';
import { pickAndReadData, type ProbeDataMemory } from './probeData';

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
  private readonly running = new Map<string, WorkerJob<unknown>>();
  private readonly results = new Map<string, ProbeOutcome>();
  private readonly recalibrations = new Map<string, RecalibrationOutcome>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: Log, readonly dataMemory: ProbeDataMemory) {}

  last(uri: vscode.Uri): ProbeOutcome | undefined {
    return this.results.get(uri.toString());
  }

  lastRecalibration(uri: vscode.Uri): RecalibrationOutcome | undefined {
    return this.recalibrations.get(uri.toString());
  }

  cancel(uri: vscode.Uri): void {
    this.running.get(uri.toString())?.cancel();
  }

  /** Probes with a random batch, or with data the user picks. */
  async probe(uri: vscode.Uri, request: ProbeRequest, post: Post): Promise<void> {
    const key = uri.toString();
    if (this.running.has(key)) return;
    const file = displayName(uri);
    let input: InputData | undefined;
    const data = request.data ?? this.dataMemory.get(uri, 'arrays');
    if (request.withFile) {
      input = await this.readData(uri, data, 'probe', MAX_PROBE_IMAGES, post);
      if (!input) return;
    }
    const source = input ? describeInput(input, data.preprocessing) : `random normal, batch ${request.batchSize}, seed ${request.seed}`;
    const model = await modelSource(uri);
    const kernels = await kernelSetup(this.extensionUri);
    await post({ type: 'probeRunning' });
    await this.inWorker(key, `probing ${file} (${source})`,
      () => startProbe(this.workerPath(), { file, bytes: model.bytes, batchSize: request.batchSize, seed: request.seed, bins: 64, kernels, ...(input ? { input, preprocessing: data.preprocessing } : {}) },
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

  /** Re-estimates the running statistics from data the user picks (images, arrays, a TensorProto, a CSV). */
  async recalibrate(uri: vscode.Uri, batchSize: number, requested: ProbeDataSettings | undefined, post: Post): Promise<void> {
    const key = uri.toString();
    if (this.running.has(key)) return;
    const file = displayName(uri);
    const data = requested ?? this.dataMemory.get(uri, 'arrays');
    const input = await this.readData(uri, data, 'recalibrate', MAX_IMAGES, post);
    if (!input) return;
    const source = `${describeInput(input, data.preprocessing)} in batches of ${batchSize}`;
    const model = await modelSource(uri);
    const kernels = await kernelSetup(this.extensionUri);
    await post({ type: 'recalibrationRunning' });
    await this.inWorker(key, `recalibrating ${file} with ${source}`,
      () => startRecalibration(this.workerPath(), { file, bytes: model.bytes, batchSize, input, preprocessing: data.preprocessing, kernels }, (path) => model.readSibling(path)),
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
    if (!outcome || !(await trustedToWrite('save recalibrated models'))) return;
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

  /** Remembers the settings, asks for the data and reads it; undefined when cancelled or unreadable (the user is told). */
  private async readData(uri: vscode.Uri, data: ProbeDataSettings, purpose: 'probe' | 'recalibrate', maxImages: number, post: Post): Promise<InputData | undefined> {
    await this.dataMemory.set(uri, data);
    try {
      return await pickAndReadData(data.source, uri, purpose, maxImages);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`BN Lens: reading the data for ${displayName(uri)} failed`, error);
      void vscode.window.showErrorMessage(`BN Lens could not read the data: ${message}`);
      await post(purpose === 'probe' ? { type: 'probeFailed', message, cancelled: false } : { type: 'recalibrationFailed', message, cancelled: false });
      return undefined;
    }
  }

  private workerPath(): string {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'probeWorker.js').fsPath;
  }

  /** One worker job behind a cancellable progress notification; failures are logged and handed to onFailure. */
  private async inWorker<T>(key: string, title: string, start: () => WorkerJob<T>, onResult: (result: T) => Promise<void>, onFailure: (message: string, cancelled: boolean) => Promise<void>): Promise<void> {
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
