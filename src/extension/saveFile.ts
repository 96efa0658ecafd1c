// Saving something the user exported: a save dialog that proposes a name next to the model file, and
// never writes over the model itself.

import * as vscode from 'vscode';
import { displayName } from './modelSource';

export async function saveNextTo(model: vscode.Uri, suggestedName: string, bytes: Uint8Array, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  return saveAs(vscode.Uri.joinPath(model, '..', suggestedName), bytes, filters, model);
}

/** A save dialog proposing `proposed`; never writes over `protect` (the model a chart or table is about). */
export async function saveAs(proposed: vscode.Uri, bytes: Uint8Array, filters: Record<string, string[]>, protect?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const target = await vscode.window.showSaveDialog({ defaultUri: proposed, filters, title: `BN Lens: save ${displayName(proposed)}` });
  if (!target) return undefined;
  if (protect && target.toString() === protect.toString()) {
    void vscode.window.showErrorMessage(`BN Lens does not overwrite the model file ${displayName(protect)}; choose another name.`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`BN Lens saved ${displayName(target)}.`);
  return target;
}

/** A file-name-safe version of a chart or layer name. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'chart';
}
