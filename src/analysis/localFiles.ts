// Reading and writing local files as a hostile folder demands, shared by the CLI, the extension (for
// file: URIs) and the run store:
// - only regular files are read, opened non-blocking (a FIFO cannot hang the open) and checked with
//   fstat before a byte is read, so a device or FIFO is refused and the size is known before allocating;
// - a path taken from inside a file is resolved to its real path (symlinks followed) and must stay
//   inside the folder it came from;
// - a write lands only where the real path of its folder is inside the folder the user chose.

import { constants } from 'node:fs';
import { mkdir, open, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { SiblingRefused, siblingPathProblem } from '../formats/source';

/** Larger files are refused before reading: a Uint8Array cannot be larger in V8 on 64-bit hosts anyway. */
export const MAX_FILE_BYTES = 2 ** 32;

/** A file that is not a regular file, too large, or outside its folder: the message says which. */
export class LocalFileError extends Error {
  constructor(readonly path: string, readonly problem: string, readonly isFolder = false) {
    super(`${path}: ${problem}`);
    this.name = 'LocalFileError';
  }
}

function kindOf(stats: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; isDirectory(): boolean }): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of a regular file. Refuses (LocalFileError) a FIFO, device, socket or folder, a path with a
 * NUL byte and a file over `maxBytes`; reads exactly the size fstat gave (a file growing meanwhile is
 * read as it was).
 */
export async function readRegularFile(path: string, maxBytes = MAX_FILE_BYTES): Promise<Uint8Array> {
  if (path.includes('\0')) throw new LocalFileError(path.replace(/\0/g, '\\x00'), 'the path holds a NUL byte');
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new LocalFileError(path, `is ${kindOf(stats)}, not a regular file: BN Lens reads only regular files`, stats.isDirectory());
    if (stats.size > maxBytes) throw new LocalFileError(path, `is ${stats.size} bytes, more than the ${maxBytes} BN Lens reads`);
    const bytes = Buffer.allocUnsafe(stats.size);
    let at = 0;
    while (at < bytes.length) {
      const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/** Is `inner` (a real path) `outer` itself or inside it? */
export function isInside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Reads `relativePath` (from inside a file) in `folder`: null when there is no such file; SiblingRefused
 * when its real path is outside the folder's real path or it is not a regular file.
 */
export async function readInsideFolder(folder: string, relativePath: string): Promise<Uint8Array | null> {
  const problem = siblingPathProblem(relativePath);
  if (problem) throw new SiblingRefused(relativePath, problem);
  let real: string;
  try {
    real = await realpath(resolve(folder, relativePath));
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
  if (!isInside(await realpath(folder), real)) throw new SiblingRefused(relativePath, 'resolves (through a symbolic link) to a file outside the model\'s folder');
  try {
    return await readRegularFile(real);
  } catch (e) {
    if (e instanceof LocalFileError && e.isFolder) return null;
    if (e instanceof LocalFileError) throw new SiblingRefused(relativePath, e.problem);
    throw e;
  }
}

/**
 * Creates `folder` (and its parents) and checks that its real path is inside `root`'s (`root` exists):
 * a symbolic link on the way cannot lead a write out of the folder the user chose.
 */
export async function ensureFolderInside(root: string, folder: string): Promise<void> {
  const absolute = resolve(folder);
  if (absolute.includes('\0')) throw new LocalFileError(absolute.replace(/\0/g, '\\x00'), 'the path holds a NUL byte');
  if (!isInside(resolve(root), absolute)) throw new LocalFileError(absolute, `is outside ${root}, the folder chosen for writing`);
  await mkdir(root, { recursive: true });
  await mkdir(absolute, { recursive: true });
  if (!isInside(await realpath(root), await realpath(absolute))) throw new LocalFileError(absolute, `resolves (through a symbolic link) outside ${root}, the folder chosen for writing`);
}

/**
 * Checks that writing `target` lands inside `root`: its folder is created inside root (as above) and
 * the target itself, when it exists, is not a symbolic link leading out of root.
 */
export async function checkWriteInside(root: string, target: string): Promise<void> {
  const absolute = resolve(target);
  await ensureFolderInside(root, dirname(absolute));
  try {
    if (!isInside(await realpath(root), await realpath(absolute))) throw new LocalFileError(absolute, `is a symbolic link to outside ${root}, the folder chosen for writing`);
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
}
