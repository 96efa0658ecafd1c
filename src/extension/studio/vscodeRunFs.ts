// RunFs over vscode.workspace.fs, rooted at a folder URI: runs are saved through VS Code's file system
// API like every other file BN Lens touches, so they work in remote workspaces too. A run folder may
// come from a cloned repository: every path is a plain relative path (checkRunPath), and for local
// folders its real path must stay inside the root for reads and writes alike (../../analysis/localFiles);
// elsewhere a symbolic link is refused.

import * as vscode from 'vscode';
import { checkRunPath, RunStoreError, type RunFs } from '../../analysis/runs/store';
import { checkWriteInside, ensureFolderInside, LocalFileError, readInsideFolder } from '../../analysis/localFiles';
import { SiblingRefused } from '../../formats/source';

function isNotFound(error: unknown): boolean {
  return error instanceof vscode.FileSystemError && (error.code === 'FileNotFound' || error.code === 'EntryNotFound');
}

export function vscodeRunFs(root: vscode.Uri): RunFs {
  const at = (path: string): vscode.Uri => vscode.Uri.joinPath(root, ...checkRunPath(path));
  const fs = vscode.workspace.fs;
  const local = root.scheme === 'file' ? root.fsPath : null;
  /** The target, once its folder is known to be inside the root. */
  const inside = async (path: string, check: (root: string, target: string) => Promise<void> = checkWriteInside): Promise<vscode.Uri> => {
    const uri = at(path);
    if (local !== null) {
      try {
        await check(local, uri.fsPath);
      } catch (e) {
        if (e instanceof LocalFileError) throw new RunStoreError(path, e.problem);
        throw e;
      }
    }
    return uri;
  };
  return {
    async read(path) {
      if (local !== null) {
        try {
          return await readInsideFolder(local, checkRunPath(path).join('/'));
        } catch (e) {
          if (e instanceof SiblingRefused) throw new RunStoreError(path, e.reason);
          throw e;
        }
      }
      try {
        const uri = at(path);
        if ((await fs.stat(uri)).type & vscode.FileType.SymbolicLink) throw new RunStoreError(path, 'is a symbolic link, which BN Lens does not follow in a run folder');
        return await fs.readFile(uri);
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },
    write: async (path, data) => {
      await fs.writeFile(await inside(path), data);
    },
    rename: async (from, to) => {
      await fs.rename(await inside(from), await inside(to), { overwrite: true });
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
      await fs.createDirectory(await inside(path, ensureFolderInside));
    },
    remove: async (path) => {
      try {
        await fs.delete(await inside(path), { recursive: true, useTrash: false });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}
