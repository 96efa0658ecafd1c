// Reads a model file through VS Code's file system API, so it works for local, remote and virtual
// workspaces alike, and hands the bytes (and a way to read the files beside it) to the readers.
// Local files go through ../analysis/localFiles: regular files only, siblings only inside the model's
// folder by real path. Other schemes are read through vscode.workspace.fs with the same rules as far
// as it can tell them: a sibling must be a file and not a symbolic link, its size known before reading.

import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { readModel } from '../formats/read';
import type { ModelDescription } from '../formats/model';
import { SiblingRefused, siblingPathProblem, type ModelSource } from '../formats/source';
import { LocalFileError, MAX_FILE_BYTES, readInsideFolder, readRegularFile } from '../analysis/localFiles';
import { FormatError } from '../formats/errors';

/** The name a user recognizes: workspace-relative where possible. */
export function displayName(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

function isNotFound(error: unknown): boolean {
  return error instanceof vscode.FileSystemError && (error.code === 'FileNotFound' || error.code === 'EntryNotFound');
}

/** A sibling through vscode.workspace.fs (remote and virtual workspaces). */
async function readRemoteSibling(folder: vscode.Uri, relativePath: string): Promise<Uint8Array | null> {
  const problem = siblingPathProblem(relativePath);
  if (problem) throw new SiblingRefused(relativePath, problem);
  const uri = vscode.Uri.joinPath(folder, ...relativePath.split(/[\\/]/));
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  if (stat.type & vscode.FileType.SymbolicLink) throw new SiblingRefused(relativePath, 'is a symbolic link, which BN Lens does not follow out of the model\'s folder');
  if (!(stat.type & vscode.FileType.File)) return null;
  if (stat.size > MAX_FILE_BYTES) throw new SiblingRefused(relativePath, `is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} BN Lens reads`);
  return vscode.workspace.fs.readFile(uri);
}

/** The model file itself: a regular file (not a FIFO or device), read by node:fs when local. */
async function readModelFile(uri: vscode.Uri): Promise<Uint8Array> {
  if (uri.scheme !== 'file') return vscode.workspace.fs.readFile(uri);
  try {
    return await readRegularFile(uri.fsPath);
  } catch (e) {
    if (e instanceof LocalFileError) throw new FormatError('unknown', displayName(uri), e.problem);
    throw e;
  }
}

export async function modelSource(uri: vscode.Uri): Promise<ModelSource> {
  const folder = vscode.Uri.joinPath(uri, '..');
  const local = uri.scheme === 'file' ? dirname(uri.fsPath) : null;
  return {
    name: displayName(uri),
    bytes: await readModelFile(uri),
    readSibling: (relativePath) => (local !== null ? readInsideFolder(local, relativePath) : readRemoteSibling(folder, relativePath)),
    async listSiblings() {
      const entries = await vscode.workspace.fs.readDirectory(folder);
      return entries.filter(([, type]) => type === vscode.FileType.File).map(([name]) => name);
    },
  };
}

export async function loadModel(uri: vscode.Uri): Promise<ModelDescription> {
  return readModel(await modelSource(uri));
}
