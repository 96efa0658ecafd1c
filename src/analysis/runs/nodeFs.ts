// RunFs over node:fs, rooted at a folder: for the CLI, the benchmarks and the tests. Nothing is read or
// written outside the root, also through symbolic links (../localFiles), and only regular files are read.

import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkWriteInside, ensureFolderInside, LocalFileError, readInsideFolder } from '../localFiles';
import { SiblingRefused } from '../../formats/source';
import { checkRunPath, RunStoreError, type RunFs } from './store';

export function nodeRunFs(root: string): RunFs {
  const at = (path: string): string => join(root, ...checkRunPath(path));
  const inside = async (path: string, check: (root: string, target: string) => Promise<void>): Promise<string> => {
    const target = at(path);
    try {
      await check(root, target);
    } catch (e) {
      if (e instanceof LocalFileError) throw new RunStoreError(path, e.problem);
      throw e;
    }
    return target;
  };
  const writable = (path: string): Promise<string> => inside(path, checkWriteInside);
  return {
    async read(path) {
      try {
        return await readInsideFolder(root, checkRunPath(path).join('/'));
      } catch (e) {
        if (e instanceof SiblingRefused) throw new RunStoreError(path, e.reason);
        throw e;
      }
    },
    write: async (path, data) => writeFile(await writable(path), data),
    rename: async (from, to) => rename(await writable(from), await writable(to)),
    async list(path) {
      try {
        return (await readdir(at(path), { withFileTypes: true })).map((e) => ({ name: e.name, folder: e.isDirectory() }));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    },
    mkdir: async (path) => {
      await inside(path, ensureFolderInside);
    },
    remove: async (path) => rm(await writable(path), { recursive: true, force: true }),
  };
}
