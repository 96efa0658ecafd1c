// Reads a model file through VS Code's file system API, so it works for local, remote and virtual
// workspaces alike, and hands the bytes to the format readers.

import * as vscode from 'vscode';
import { readModel } from '../formats/read';
import type { ModelDescription } from '../formats/model';

/** The name a user recognizes: workspace-relative where possible. */
export function displayName(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

export async function loadModel(uri: vscode.Uri): Promise<ModelDescription> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return readModel(displayName(uri), bytes);
}
