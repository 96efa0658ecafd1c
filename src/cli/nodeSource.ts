// ModelSource and RunFolder over node:fs, for the CLI: regular files only, siblings only inside the
// model's folder (real paths), sizes known before reading (../analysis/localFiles).

import { readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ModelSource } from '../formats/source';
import type { RunFolder } from '../formats/read';
import { readInsideFolder, readRegularFile } from '../analysis/localFiles';

export async function fileSource(path: string): Promise<ModelSource> {
  const folder = dirname(resolve(path));
  return {
    name: path,
    bytes: await readRegularFile(path),
    readSibling: (relative) => readInsideFolder(folder, relative),
    listSiblings: () => readdir(folder),
  };
}

export function folderSource(path: string): RunFolder {
  return {
    name: path,
    list: () => readdir(path),
    read: (name) => readInsideFolder(path, name),
  };
}
