// RunFs over node:fs, rooted at a folder: for the CLI, the benchmarks and the tests.

import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunFs } from './store';

export function nodeRunFs(root: string): RunFs {
  const at = (path: string): string => join(root, ...path.split('/'));
  return {
    async read(path) {
      try {
        return await readFile(at(path));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR') return null;
        throw e;
      }
    },
    write: (path, data) => writeFile(at(path), data),
    rename: (from, to) => rename(at(from), at(to)),
    async list(path) {
      try {
        return (await readdir(at(path), { withFileTypes: true })).map((e) => ({ name: e.name, folder: e.isDirectory() }));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    },
    mkdir: async (path) => {
      await mkdir(at(path), { recursive: true });
    },
    remove: (path) => rm(at(path), { recursive: true, force: true }),
  };
}
