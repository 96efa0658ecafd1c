// The BN Inspector: a read-only custom editor for model files. The document is trivial (just the URI);
// the file is read by the extension host and only the summary the view needs goes to the webview.

import * as vscode from 'vscode';
import { inspectorMessage } from './messageGuards';
import type { Log } from './log';
import type { DataSource, HostToWebview, ProbeDataSettings, WebviewToHost } from '../protocol';
import type { ModelDescription } from '../formats/model';
import { imageInputOf, type ImageInput } from '../analysis/inputs/preprocess';
import type { ModelAnalyses } from './modelAnalyses';
import type { ModelJobs } from './modelJobs';
import { displayName } from './modelSource';
import { saveNextTo } from './saveFile';
import { channelsCsv, layersCsv } from '../analysis/exportCsv';
import { viewSettings } from './settings';
import { WebviewPage } from './webviewPage';
import { withOneBuffer } from './oneBuffer';
import { messageOf } from '../shared/errors';
import { FormatError } from '../formats/errors';

/** The data settings remembered for the file, and what its first input takes, for the view's data controls. */
function probeDataMessage(description: ModelDescription, remembered: (fallback: DataSource) => ProbeDataSettings): HostToWebview {
  const inputShape = description.graph?.inputs?.[0]?.shape ?? null;
  const settings = remembered(inputShape?.length === 2 ? 'csv' : inputShape?.length === 4 ? 'imageFolder' : 'arrays');
  let imageInput: ImageInput | null = null;
  try {
    imageInput = inputShape?.length === 4 ? imageInputOf(description, { ...settings.preprocessing, layout: 'auto' }) : null;
  } catch {
    imageInput = null; // not an image input (the view then offers arrays, test data and CSV)
  }
  return { type: 'probeData', settings, inputShape, imageInput };
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

class InspectorDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, private readonly onDispose: () => void) {}
  /** Called when the last editor of the file closes. */
  dispose(): void {
    this.onDispose();
  }
}

export class InspectorEditorProvider implements vscode.CustomReadonlyEditorProvider<InspectorDocument> {
  static readonly viewType = 'bnlens.inspector';
  /**
   * The same inspector for the files it is offered for but not the default editor of (.pt, .h5, …):
   * VS Code allows one priority per viewType, so the optional selectors need a viewType of their own.
   */
  static readonly optionalViewType = 'bnlens.inspector.optional';

  /** Open inspector panels by file, so other views can ask one to show a layer. */
  private readonly panels = new Map<string, Set<vscode.WebviewPanel>>();
  /** A layer to select once a panel that is still opening has its model. */
  private readonly pendingSelection = new Map<string, string>();

  static register(context: vscode.ExtensionContext, analyses: ModelAnalyses, jobs: ModelJobs, log: Log): InspectorEditorProvider {
    const provider = new InspectorEditorProvider(context.extensionUri, analyses, jobs, log);
    const options = {
      // The webview restores its own UI state from getState(); keeping hidden webviews alive costs memory.
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    };
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(InspectorEditorProvider.viewType, provider, options),
      vscode.window.registerCustomEditorProvider(InspectorEditorProvider.optionalViewType, provider, options),
    );
    return provider;
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly analyses: ModelAnalyses,
    private readonly jobs: ModelJobs,
    private readonly log: Log,
  ) {}

  /** Opens (or reveals) the inspector for a file and selects one of its layers. */
  async revealLayer(uri: vscode.Uri, layer: string): Promise<void> {
    const open = [...(this.panels.get(uri.toString()) ?? [])];
    if (open.length) {
      open[0].reveal();
      await open[0].webview.postMessage({ type: 'selectLayer', name: layer } satisfies HostToWebview);
      return;
    }
    this.pendingSelection.set(uri.toString(), layer);
    await vscode.commands.executeCommand('vscode.openWith', uri, InspectorEditorProvider.viewType);
  }

  /** Runs the probe with the default batch for a file whose inspector is open (from the command palette). */
  async probe(uri: vscode.Uri): Promise<void> {
    const panelOf = (): vscode.WebviewPanel | undefined => [...(this.panels.get(uri.toString()) ?? [])][0];
    if (!panelOf()) await vscode.commands.executeCommand('vscode.openWith', uri, InspectorEditorProvider.viewType);
    const panel = panelOf();
    if (!panel) throw new Error(`BN Lens could not open an inspector for ${displayName(uri)}`);
    await this.jobs.probe(uri, { batchSize: 8, seed: 0, withFile: false }, (message) => panel.webview.postMessage(withOneBuffer(message)));
  }

  private async exportTable(uri: vscode.Uri, what: 'layers' | 'channels'): Promise<void> {
    const { summary } = await this.analyses.get(uri);
    const text = what === 'layers' ? layersCsv(summary) : channelsCsv(summary.layers);
    await saveNextTo(uri, `${baseName(uri)}.bn-${what}.csv`, new TextEncoder().encode(text), { CSV: ['csv'] });
  }

  openCustomDocument(uri: vscode.Uri): InspectorDocument {
    // The file's findings stay in the Problems panel while any editor shows it.
    return new InspectorDocument(uri, () => this.analyses.forget(uri));
  }

  resolveCustomEditor(document: InspectorDocument, panel: vscode.WebviewPanel): void {
    const key = document.uri.toString();
    const panels = this.panels.get(key) ?? new Set();
    panels.add(panel);
    this.panels.set(key, panels);

    const page: WebviewPage<HostToWebview, WebviewToHost> = new WebviewPage(panel.webview, this.extensionUri, { title: displayName(document.uri), script: 'webview.js', style: 'inspector.css' }, {
      accept: inspectorMessage,
      dropped: (what) => this.log.warn(`Inspector of ${displayName(document.uri)}: dropped a message that is not in the protocol (${what})`),
      init: () => show(),
      receive: (message) => this.receive(document.uri, message, post, show),
      // The chart's name is its title, which starts with the file: the layer and quantity follow.
      chartTarget: (fileName) => ({ proposed: vscode.Uri.joinPath(document.uri, '..', fileName), protect: document.uri }),
      problem: (error) => void vscode.window.showErrorMessage(`BN Lens: ${messageOf(error)}`),
    });
    const post = (message: HostToWebview): Thenable<boolean> => page.post(message);
    const show = async (): Promise<void> => {
      const file = displayName(document.uri);
      await post({ type: 'loading', file });
      try {
        const { summary, anomalies, description } = await this.analyses.get(document.uri);
        const select = this.pendingSelection.get(key);
        this.pendingSelection.delete(key);
        await post({ type: 'model', model: summary, anomalies, settings: viewSettings(), ...(select ? { select } : {}) });
        await post(probeDataMessage(description, (fallback) => this.jobs.dataMemory.get(document.uri, fallback)));
        const probed = this.jobs.last(document.uri);
        if (probed) await post({ type: 'probe', ...probed });
        const recalibrated = this.jobs.lastRecalibration(document.uri);
        if (recalibrated) await post({ type: 'recalibrated', ...recalibrated });
      } catch (error) {
        if (error instanceof FormatError && error.notAModel) await post({ type: 'notAModel', file, what: error.problem });
        else await post({ type: 'error', file, message: messageOf(error) });
      }
    };

    const configListener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('bnlens')) void show();
    });
    panel.onDidDispose(() => {
      configListener.dispose();
      page.dispose();
      panels.delete(panel);
      if (!panels.size) this.panels.delete(key);
    });

  }

  private async receive(uri: vscode.Uri, message: Exclude<WebviewToHost, { readonly type: 'ready' | 'saveChart' }>, post: (message: HostToWebview) => Thenable<boolean>, show: () => Promise<void>): Promise<void> {
    switch (message.type) {
      case 'reload':
        return show();
      case 'reopenWithDefault':
        return vscode.commands.executeCommand('vscode.openWith', uri, 'default');
      case 'runProbe':
        return this.jobs.probe(uri, message, post);
      case 'cancelProbe':
        return this.jobs.cancel(uri);
      case 'recalibrate':
        return this.jobs.recalibrate(uri, message.batchSize, message.data, post);
      case 'probeDataSettings':
        return this.jobs.dataMemory.set(uri, message.settings);
      case 'saveRecalibrated':
        return this.jobs.saveRecalibrated(uri);
      case 'exportTable':
        return this.exportTable(uri, message.what);
    }
  }
}
