// Reads and analyses model files for every view, once per version of a file: the inspector and the
// side panel ask for the same file, and a large checkpoint should be parsed only once. The findings
// go to the Problems panel whenever a file is analysed.

import * as vscode from 'vscode';
import { findAnomalies, type Anomaly } from '../analysis/anomalies';
import { summarizeModel, type ModelSummary } from '../analysis/inventory';
import type { ModelDescription } from '../formats/model';
import type { ModelDiagnostics } from './diagnostics';
import type { Log } from './log';
import { displayName, loadModel } from './modelSource';

export interface Analysis {
  readonly description: ModelDescription;
  readonly summary: ModelSummary;
  readonly anomalies: readonly Anomaly[];
}

interface Entry {
  readonly mtime: number;
  readonly size: number;
  readonly analysis: Promise<Analysis>;
}

export class ModelAnalyses {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly log: Log, private readonly diagnostics: ModelDiagnostics) {}

  /** The analysis of the file as it is now on disk (re-read when its size or mtime changed). */
  async get(uri: vscode.Uri): Promise<Analysis> {
    const key = uri.toString();
    const stat = await vscode.workspace.fs.stat(uri);
    const cached = this.cache.get(key);
    if (cached && cached.mtime === stat.mtime && cached.size === stat.size) return cached.analysis;
    const analysis = this.analyse(uri);
    this.cache.set(key, { mtime: stat.mtime, size: stat.size, analysis });
    // A failed read is not kept: the user may fix the file (or its sibling) and try again.
    analysis.catch(() => this.cache.delete(key));
    return analysis;
  }

  /** Forgets a file (its editor closed), and its findings in the Problems panel. */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
    this.diagnostics.clear(uri);
  }

  private async analyse(uri: vscode.Uri): Promise<Analysis> {
    const file = displayName(uri);
    try {
      const description = await loadModel(uri);
      const summary = summarizeModel(description);
      const anomalies = findAnomalies(summary, description);
      this.diagnostics.set(uri, anomalies);
      this.log.info(`${file}: ${summary.format} (${summary.variant}), ${summary.layers.length} normalization layer(s), ${anomalies.length} finding(s)`);
      return { description, summary, anomalies };
    } catch (error) {
      this.log.error(`Could not open ${file}`, error);
      throw error;
    }
  }
}
