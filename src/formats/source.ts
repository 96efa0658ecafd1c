// What a reader is given: a file's name and bytes, and a way to read the files next to it. Readers
// do no file I/O themselves; the extension implements this with vscode.workspace.fs, the CLI with
// node:fs, tests with a map of byte arrays.

export interface ModelSource {
  /** The file's name as the user knows it (a path or a URI's path); its last segment is the file name. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /**
   * Reads a file by a path relative to this file's folder (e.g. "weights.bin", "../x.data").
   * Resolves null when there is no such file; rejects only for other I/O failures.
   */
  readSibling(relativePath: string): Promise<Uint8Array | null>;
  /**
   * The names of the files in this file's folder (not recursive). Only needed for TensorBoard run
   * folders; a source that cannot list leaves it out and a run is then read as its one file.
   */
  listSiblings?(): Promise<string[]>;
}

/** The last path segment of a name, whichever separator it uses. */
export function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}
