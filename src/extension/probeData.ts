// The user's data for the probe and recalibration, on the host side: the file dialog for each kind of data,
// the files read through vscode.workspace.fs (so remote and virtual workspaces work) with the checks of
// analysis/inputs/gather.ts, and the data settings remembered per model file in the workspace state.

import * as vscode from 'vscode';
import { gatherInput, type EntryType, type InputData, type InputFs } from '../analysis/inputs/gather';
import { DEFAULT_PREPROCESSING } from '../analysis/inputs/preprocess';
import type { DataSource, ProbeDataSettings } from '../protocol';
import { displayName } from './modelSource';
import { isDataSettings } from './messageGuards';

function entryType(type: vscode.FileType): EntryType {
  if (type & vscode.FileType.SymbolicLink) return 'symlink';
  if (type === vscode.FileType.File) return 'file';
  if (type === vscode.FileType.Directory) return 'directory';
  return 'other';
}

const workspaceFs: InputFs<vscode.Uri> = {
  async stat(uri) {
    try {
      const s = await vscode.workspace.fs.stat(uri);
      // The file the user picked may be a link (stat follows it); entries inside a folder may not.
      return { type: entryType(s.type & ~vscode.FileType.SymbolicLink), size: s.size };
    } catch (error) {
      if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return null;
      throw error;
    }
  },
  list: async (folder) => (await vscode.workspace.fs.readDirectory(folder)).map(([name, type]) => ({ name, type: entryType(type) })),
  read: async (uri) => vscode.workspace.fs.readFile(uri),
  join: (folder, name) => vscode.Uri.joinPath(folder, name),
  show: (uri) => displayName(uri),
};

const DIALOG: Record<DataSource, { folders: boolean; many: boolean; filters?: Record<string, string[]>; what: string }> = {
  imageFolder: { folders: true, many: false, what: 'a folder of PNG/JPEG images' },
  imageFiles: { folders: false, many: true, filters: { Images: ['png', 'jpg', 'jpeg'] }, what: 'PNG/JPEG images' },
  arrays: { folders: false, many: false, filters: { 'NumPy arrays': ['npy', 'npz'] }, what: 'a NumPy .npy/.npz batch' },
  onnxTestData: { folders: true, many: false, what: 'an ONNX test data set folder (test_data_set_N with input_0.pb)' },
  csv: { folders: false, many: false, filters: { 'CSV tables': ['csv', 'tsv'] }, what: 'a CSV table' },
};

/** Asks for the data (a dialog suited to its kind) and reads it; undefined when the user cancels. */
export async function pickAndReadData(source: DataSource, model: vscode.Uri, purpose: 'probe' | 'recalibrate', maxImages: number): Promise<InputData | undefined> {
  const d = DIALOG[source];
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: !d.folders, canSelectFolders: d.folders, canSelectMany: d.many,
    defaultUri: vscode.Uri.joinPath(model, '..'),
    openLabel: purpose === 'probe' ? 'Probe with this data' : 'Recalibrate with this data',
    title: `BN Lens: ${d.what} to ${purpose === 'probe' ? 'probe' : 'recalibrate'} ${displayName(model)} with`,
    ...(d.filters ? { filters: d.filters } : {}),
  });
  if (!picked?.length) return undefined;
  return gatherInput(workspaceFs, picked, maxImages);
}

/** Settings as stored (or sent by the view), or null when they are not well-formed (an older version's, say). */
export function readDataSettings(value: unknown): ProbeDataSettings | null {
  return isDataSettings(value) ? value : null;
}

/** The data settings per model file, in the workspace state. */
export class ProbeDataMemory {
  constructor(private readonly state: vscode.Memento) {}

  get(model: vscode.Uri, fallback: DataSource): ProbeDataSettings {
    return readDataSettings(this.state.get(this.key(model))) ?? { source: fallback, preprocessing: DEFAULT_PREPROCESSING };
  }

  async set(model: vscode.Uri, settings: ProbeDataSettings): Promise<void> {
    await this.state.update(this.key(model), settings);
  }

  private key(model: vscode.Uri): string {
    return `bnlens.probeData:${model.toString()}`;
  }
}
