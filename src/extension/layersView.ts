// The side panel: a webview view in the BN Lens activity-bar container that follows the active editor.
// For a model file it lists the normalization layers with sparklines of γ and running variance and
// the warnings; a click opens that layer in the full inspector.

import * as vscode from 'vscode';
import type { SidebarHostToWebview, SidebarWebviewToHost } from '../protocol';
import type { InspectorEditorProvider } from './inspectorEditor';
import type { TrainingStudio } from './studio/studio';
import type { ModelAnalyses } from './modelAnalyses';
import { displayName } from './modelSource';
import { isModelFile } from './modelFiles';
import { viewSettings } from './settings';
import { WebviewPage } from './webviewPage';
import { messageOf } from '../shared/errors';

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
  private page: WebviewPage<SidebarHostToWebview, SidebarWebviewToHost> | undefined;
  /** The last model file shown in an editor: the panel keeps it while the user works in other files. */
  private current: vscode.Uri | undefined = modelUriOf(vscode.window.tabGroups.activeTabGroup.activeTab);

  static register(context: vscode.ExtensionContext, analyses: ModelAnalyses, inspector: InspectorEditorProvider, studio: TrainingStudio): void {
    const provider = new LayersViewProvider(context.extensionUri, analyses, inspector, studio);
    context.subscriptions.push(
      vscode.window.registerWebviewViewProvider(LayersViewProvider.viewId, provider),
      vscode.window.tabGroups.onDidChangeTabs(() => provider.follow()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => provider.follow()),
      // The studio throttles these; the panel shows the live run's per-layer statistics while it trains.
      studio.onDidChangeLiveRun((snapshot) => void provider.page?.post({ type: 'liveRun', snapshot })),
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
    // A hidden view's page is discarded; shown again, it says 'ready' and gets everything anew.
    const page = new WebviewPage<SidebarHostToWebview, SidebarWebviewToHost>(view.webview, this.extensionUri, { title: 'Normalization layers', script: 'sidebar.js', style: 'sidebar.css' }, {
      init: () => {
        void page.post({ type: 'liveRun', snapshot: this.studio.liveRun() });
        return this.show();
      },
      receive: (message) => {
        if (message.type === 'openLayer' && this.current) return this.inspector.revealLayer(this.current, message.layer);
      },
      problem: (error) => void vscode.window.showErrorMessage(`BN Lens: ${messageOf(error)}`),
    });
    this.page = page;
    view.onDidChangeVisibility(() => { if (view.visible) void this.show(); });
    view.onDidDispose(() => {
      this.view = undefined;
      this.page = undefined;
      page.dispose();
    });
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
    const page = this.page;
    if (!view?.visible || !page) return;
    const post = (message: SidebarHostToWebview): Thenable<boolean> => page.post(message);
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
      if (uri === this.current) await post({ type: 'error', file, message: messageOf(error) });
    }
  }
}
