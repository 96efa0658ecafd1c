// Commands contributed under the "BN Lens" category.

import * as vscode from 'vscode';
import { InspectorEditorProvider } from './inspectorEditor';

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

export function registerCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('bnlens.inspectFile', inspectFile));
}
