// The side panel: a webview view in the BN Lens activity-bar container that follows the active editor.
// For a model file it lists the normalization layers with sparklines of γ and running variance and
// the warnings; a click opens that layer in the full inspector.

import { sidebarMessage } from './messageGuards';
import * as vscode from 'vscode';
import type { SidebarHostToWebview } from '../protocol';
import type { InspectorEditorProvider } from './inspectorEditor';
import type { TrainingStudio } from './studio/studio';
import type { ModelAnalyses } from './modelAnalyses';
import { displayName } from './modelSource';
import { isModelFile } from './modelFiles';
import { viewSettings } from './settings';
import { webviewHtml, webviewRoots } from './webviewHtml';

/** The model file a tab shows, if it shows one. */
function modelUriOf(tab: vscode.Tab | undefined): vscode.Uri | undefined {
  const input = tab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    return isModelFile(input.uri.path) ? input.uri : undefined;
  }
  return undefined;
}

export class LayersViewProvider implements vscode.WebviewViewProvider {
  static readonly viewId = 'bnlens.layers';

  private view: vscode.WebviewView | undefined;
  /** The last model file shown in an editor: the panel keeps it while the user works in other files. */
  private current: vscode.Uri | undefined = modelUriOf(vscode.window.tabGroups.activeTabGroup.activeTab);

  static register(context: vscode.ExtensionContext, analyses: ModelAnalyses, inspector: InspectorEditorProvider, studio: TrainingStudio): void {
    const provider = new LayersViewProvider(context.extensionUri, analyses, inspector, studio);
    context.subscriptions.push(
      vscode.window.registerWebviewViewProvider(LayersViewProvider.viewId, provider),
      vscode.window.tabGroups.onDidChangeTabs(() => provider.follow()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => provider.follow()),
      // The studio throttles these; the panel shows the live run's per-layer statistics while it trains.
      studio.onDidChangeLiveRun((snapshot) => void provider.view?.webview.postMessage({ type: 'liveRun', snapshot } satisfies SidebarHostToWebview)),
    );
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly analyses: ModelAnalyses,
    private readonly inspector: InspectorEditorProvider,
    private readonly studio: TrainingStudio,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    view.webview.html = webviewHtml(view.webview, this.extensionUri, { title: 'Normalization layers', script: 'sidebar.js', style: 'sidebar.css' });
    view.webview.onDidReceiveMessage((raw: unknown) => {
      // Checked against the protocol first; a message of another shape is dropped.
      const message = sidebarMessage(raw);
      switch (message?.type) {
        case 'ready':
          void view.webview.postMessage({ type: 'liveRun', snapshot: this.studio.liveRun() } satisfies SidebarHostToWebview);
          void this.show();
          break;
        case 'openLayer':
          if (this.current) void this.inspector.revealLayer(this.current, message.layer);
          break;
      }
    });
    view.onDidChangeVisibility(() => { if (view.visible) void this.show(); });
    view.onDidDispose(() => { this.view = undefined; });
  }

  private follow(): void {
    const uri = modelUriOf(vscode.window.tabGroups.activeTabGroup.activeTab);
    if (uri && uri.toString() !== this.current?.toString()) {
      this.current = uri;
      void this.show();
    }
  }

  private async show(): Promise<void> {
    const view = this.view;
    if (!view?.visible) return;
    const post = (message: SidebarHostToWebview): Thenable<boolean> => view.webview.postMessage(message);
    const uri = this.current;
    if (!uri) {
      await post({ type: 'empty' });
      return;
    }
    const file = displayName(uri);
    view.description = file;
    await post({ type: 'loading', file });
    try {
      const { summary, anomalies } = await this.analyses.get(uri);
      if (uri === this.current) await post({ type: 'model', file, model: summary, anomalies, settings: viewSettings() });
    } catch (error) {
      if (uri === this.current) await post({ type: 'error', file, message: error instanceof Error ? error.message : String(error) });
    }
  }
}
