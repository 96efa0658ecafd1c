// Commands contributed under the "BN Lens" category.

import * as vscode from 'vscode';
import { InspectorEditorProvider } from './inspectorEditor';
import { isModelFile } from './modelFiles';

const MODEL_FILE_FILTERS: Record<string, string[]> = {
  'Model files': ['onnx', 'pt', 'pth', 'safetensors', 'keras', 'h5', 'json'],
  'All files': ['*'],
};

/** "Inspect with BN Lens": from the explorer's context menu (with a URI) or the palette (asks for a file). */
async function inspectFile(uri?: vscode.Uri): Promise<void> {
  const target = uri instanceof vscode.Uri ? uri : (await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: MODEL_FILE_FILTERS,
    openLabel: 'Inspect',
    title: 'BN Lens: choose a model file to inspect',
  }))?.[0];
  if (!target) return;
  await vscode.commands.executeCommand('vscode.openWith', target, InspectorEditorProvider.viewType);
}

/** The model file of the active editor tab, if it shows one. */
function activeModelUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return isModelFile(input.uri.path) ? input.uri : undefined;
  return undefined;
}

export function registerCommands(context: vscode.ExtensionContext, inspector: InspectorEditorProvider): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('bnlens.inspectFile', inspectFile),
    vscode.commands.registerCommand('bnlens.probe', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : activeModelUri();
      if (!target) {
        void vscode.window.showInformationMessage('BN Lens: open a model file first; the probe runs a batch through the active model.');
        return;
      }
      await inspector.probe(target);
    }),
  );
}
