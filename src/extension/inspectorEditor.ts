// The BN Inspector: a read-only custom editor for model files. The document is trivial (just the URI);
// the file is read by the extension host and only the summary the view needs goes to the webview.

import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../protocol';
import { summarizeModel } from '../analysis/inventory';
import { findAnomalies } from '../analysis/anomalies';
import type { ModelDiagnostics } from './diagnostics';
import { displayName, loadModel } from './modelSource';
import { viewSettings } from './settings';
import { webviewHtml, webviewRoots } from './webviewHtml';
import type { Log } from './log';

class InspectorDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, private readonly onDispose: () => void) {}
  /** Called when the last editor of the file closes. The file is read afresh whenever a view asks. */
  dispose(): void {
    this.onDispose();
  }
}

export class InspectorEditorProvider implements vscode.CustomReadonlyEditorProvider<InspectorDocument> {
  static readonly viewType = 'bnlens.inspector';

  static register(context: vscode.ExtensionContext, log: Log, diagnostics: ModelDiagnostics): void {
    const provider = new InspectorEditorProvider(context.extensionUri, log, diagnostics);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(InspectorEditorProvider.viewType, provider, {
        // The webview restores its own UI state from getState(); keeping hidden webviews alive costs memory.
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly diagnostics: ModelDiagnostics,
  ) {}

  openCustomDocument(uri: vscode.Uri): InspectorDocument {
    // The file's findings stay in the Problems panel while any editor shows it.
    return new InspectorDocument(uri, () => this.diagnostics.clear(uri));
  }

  resolveCustomEditor(document: InspectorDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    webview.html = webviewHtml(webview, this.extensionUri, displayName(document.uri));

    const post = (message: HostToWebview): Thenable<boolean> => webview.postMessage(message);
    const show = async (): Promise<void> => {
      const file = displayName(document.uri);
      await post({ type: 'loading', file });
      try {
        const description = await loadModel(document.uri);
        const model = summarizeModel(description);
        const anomalies = findAnomalies(model, description);
        this.diagnostics.set(document.uri, anomalies);
        this.log.info(`${file}: ${model.format}, ${model.layers.length} normalization layer(s), ${anomalies.length} finding(s)`);
        await post({ type: 'model', model, anomalies, settings: viewSettings() });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.log.error(`Could not open ${file}`, error);
        await post({ type: 'error', file, message });
      }
    };

    const configListener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('bnlens')) void show();
    });
    panel.onDidDispose(() => configListener.dispose());

    panel.webview.onDidReceiveMessage((message: WebviewToHost) => {
      switch (message.type) {
        case 'ready':
        case 'reload':
          void show();
          break;
      }
    });
  }
}
