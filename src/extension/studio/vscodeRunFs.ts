// RunFs over vscode.workspace.fs, rooted at a folder URI: runs are saved through VS Code's file system
// API like every other file BN Lens touches, so they work in remote workspaces too.

import * as vscode from 'vscode';
import type { RunFs } from '../../analysis/runs/store';

function isNotFound(error: unknown): boolean {
  return error instanceof vscode.FileSystemError && (error.code === 'FileNotFound' || error.code === 'EntryNotFound');
}

export function vscodeRunFs(root: vscode.Uri): RunFs {
  const at = (path: string): vscode.Uri => vscode.Uri.joinPath(root, ...path.split('/').filter((p) => p && p !== '.'));
  const fs = vscode.workspace.fs;
  return {
    async read(path) {
      try {
        return await fs.readFile(at(path));
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    write: async (path, data) => {
      await fs.writeFile(at(path), data);
    },
    rename: async (from, to) => {
      await fs.rename(at(from), at(to), { overwrite: true });
    },
    async list(path) {
      try {
        return (await fs.readDirectory(at(path))).map(([name, type]) => ({ name, folder: (type & vscode.FileType.Directory) !== 0 }));
      } catch (e) {
        if (isNotFound(e)) return [];
        throw e;
      }
    },
    mkdir: async (path) => {
      await fs.createDirectory(at(path));
    },
    remove: async (path) => {
      try {
        await fs.delete(at(path), { recursive: true, useTrash: false });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}
