// The inspector's findings in VS Code's Problems panel, one diagnostic per finding, named by layer.
// Model files are binary, so every diagnostic sits at the file's start.

import * as vscode from 'vscode';
import type { Anomaly } from '../analysis/anomalies';

export class ModelDiagnostics {
  private constructor(private readonly collection: vscode.DiagnosticCollection) {}

  static register(context: vscode.ExtensionContext): ModelDiagnostics {
    const collection = vscode.languages.createDiagnosticCollection('bnlens');
    context.subscriptions.push(collection);
    return new ModelDiagnostics(collection);
  }

  set(uri: vscode.Uri, anomalies: readonly Anomaly[]): void {
    const start = new vscode.Range(0, 0, 0, 0);
    this.collection.set(uri, anomalies.map((a) => {
      const d = new vscode.Diagnostic(start, a.layer ? `${a.layer}: ${a.message}` : a.message,
        a.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
      d.source = 'BN Lens';
      d.code = a.code;
      return d;
    }));
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }
}
