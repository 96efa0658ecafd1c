// What a reader is given: a file's name and bytes, and a way to read the files next to it. Readers
// do no file I/O themselves; the extension implements this with vscode.workspace.fs (node:fs for local
// files), the CLI with node:fs, tests with a map of byte arrays.

import type { ErrorFactory } from './errors';

export interface ModelSource {
  /** The file's name as the user knows it (a path or a URI's path); its last segment is the file name. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /**
   * Reads a file by a path relative to this file's folder (e.g. "weights.bin", "sub/x.data").
   * Resolves null when there is no such file; rejects with SiblingRefused when the path leads out of
   * the folder (also through a symlink) or to something that is not a regular file, and otherwise
   * only for other I/O failures.
   */
  readSibling(relativePath: string): Promise<Uint8Array | null>;
  /**
   * The names of the files in this file's folder (not recursive). Only needed for TensorBoard run
   * folders; a source that cannot list leaves it out and a run is then read as its one file.
   */
  listSiblings?(): Promise<string[]>;
}

/**
 * A sibling a source will not read: outside the model's folder, a FIFO, a device, too large. The
 * message names the path as the model gave it and why; it never quotes the file's bytes.
 */
export class SiblingRefused extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`'${printable(path)}' ${reason}`);
    this.name = 'SiblingRefused';
  }
}

/** A path for a message: control characters (a NUL included) shown as \xNN, at most 200 characters. */
export function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

/**
 * Why a sibling path from inside a file can never be inside the model's folder, or null: empty, NUL
 * bytes, absolute (/x, \x, C:), a URL, or a ".." segment. Sources check real paths on top of this.
 */
export function siblingPathProblem(path: string): string | null {
  if (!path) return 'is empty';
  if (path.includes('\0')) return 'holds a NUL byte';
  if (/^([\\/]|[a-zA-Z]:|[a-zA-Z][a-zA-Z0-9+.-]*:\/\/)/.test(path)) return 'is absolute, not inside the model\'s folder';
  if (path.split(/[\\/]/).includes('..')) return 'leads out of the model\'s folder (..)';
  return null;
}

/**
 * Reads a sibling for a reader: the path is checked, a refusal becomes the reader's own error (`fail`)
 * and a missing file is null. Every reader that follows a path from inside a file goes through here.
 */
export async function readSiblingChecked(source: ModelSource, path: string, fail: ErrorFactory, what: string, where: string): Promise<Uint8Array | null> {
  const problem = siblingPathProblem(path);
  if (problem) throw fail(`${what} '${printable(path)}' ${problem}`, where);
  try {
    return await source.readSibling(path);
  } catch (e) {
    if (e instanceof SiblingRefused) throw fail(`${what} ${e.message}`, where);
    throw e;
  }
}

/** The last path segment of a name, whichever separator it uses. */
export function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}
