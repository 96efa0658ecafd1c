// Runs the probe for an inspector: in a worker thread, behind a progress notification with Cancel.
// The last result per file is kept so a re-shown inspector (its webview was discarded while hidden)
// gets it back without running again.

import * as vscode from 'vscode';
import type { ProbeResult } from '../analysis/probe';
import { ProbeCancelled, startProbe, type ProbeRun } from '../analysis/worker/probeClient';
import type { HostToWebview, ProbeRequest } from '../protocol';
import type { Log } from './log';
import { displayName, modelSource } from './modelSource';

export interface ProbeOutcome {
  readonly result: ProbeResult;
  /** What the batch was, in words: "random normal, batch 8, seed 0" or the data file's name. */
  readonly source: string;
}

export class ProbeRunner {
  private readonly running = new Map<string, ProbeRun>();
  private readonly results = new Map<string, ProbeOutcome>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: Log) {}

  last(uri: vscode.Uri): ProbeOutcome | undefined {
    return this.results.get(uri.toString());
  }

  cancel(uri: vscode.Uri): void {
    this.running.get(uri.toString())?.cancel();
  }

  async run(uri: vscode.Uri, request: ProbeRequest, post: (message: HostToWebview) => Thenable<boolean>): Promise<void> {
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
    await post({ type: 'probeRunning' });
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BN Lens: probing ${file} (${source})`, cancellable: true },
      async (_progress, token) => {
        const run = startProbe(vscode.Uri.joinPath(this.extensionUri, 'dist', 'probeWorker.js').fsPath,
          { file, bytes: model.bytes, batchSize: request.batchSize, seed: request.seed, bins: 64, ...(input ? { input } : {}) },
          (path) => model.readSibling(path));
        this.running.set(key, run);
        const subscription = token.onCancellationRequested(() => run.cancel());
        try {
          const result = await run.result;
          this.results.set(key, { result, source });
          this.log.info(`${file}: probed ${result.layers.length} normalization layer(s) with ${source}`);
          await post({ type: 'probe', result, source });
        } catch (error) {
          const cancelled = error instanceof ProbeCancelled;
          const message = error instanceof Error ? error.message : String(error);
          if (!cancelled) {
            this.log.error(`Probe of ${file} failed`, error);
            void vscode.window.showErrorMessage(`BN Lens could not probe ${file}: ${message}`);
          }
          await post({ type: 'probeFailed', message, cancelled });
        } finally {
          subscription.dispose();
          this.running.delete(key);
        }
      },
    );
  }
}
