// Reads a model file through VS Code's file system API, so it works for local, remote and virtual
// workspaces alike, and hands the bytes (and a way to read the files beside it) to the readers.

import * as vscode from 'vscode';
import { readModel } from '../formats/read';
import type { ModelDescription } from '../formats/model';
import type { ModelSource } from '../formats/source';

/** The name a user recognizes: workspace-relative where possible. */
export function displayName(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

function isNotFound(error: unknown): boolean {
  return error instanceof vscode.FileSystemError && error.code === 'FileNotFound';
}

export async function modelSource(uri: vscode.Uri): Promise<ModelSource> {
  const folder = vscode.Uri.joinPath(uri, '..');
  return {
    name: displayName(uri),
    bytes: await vscode.workspace.fs.readFile(uri),
    async readSibling(relativePath) {
      try {
        return await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, relativePath));
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async listSiblings() {
      const entries = await vscode.workspace.fs.readDirectory(folder);
      return entries.filter(([, type]) => type === vscode.FileType.File).map(([name]) => name);
    },
  };
}

export async function loadModel(uri: vscode.Uri): Promise<ModelDescription> {
  return readModel(await modelSource(uri));
}
