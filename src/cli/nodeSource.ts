// ModelSource and RunFolder over node:fs, for the CLI.

import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ModelSource } from '../formats/source';
import type { RunFolder } from '../formats/read';

/** Reads a file, or null when there is no such file (any other failure is thrown). A Buffer is a Uint8Array, passed on without a copy. */
async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw e;
  }
}

export async function fileSource(path: string): Promise<ModelSource> {
  const folder = dirname(resolve(path));
  return {
    name: path,
    bytes: await readFile(path),
    readSibling: (relative) => readIfExists(resolve(folder, relative)),
    listSiblings: () => readdir(folder),
  };
}

export function folderSource(path: string): RunFolder {
  return {
    name: path,
    list: () => readdir(path),
    read: (name) => readIfExists(join(path, name)),
  };
}
