// Collects the files of the data a user points at — one file, several image files, or a folder — through a
// small file-system interface the CLI (node:fs) and the extension host (vscode.workspace.fs) both implement.
// The files are hostile: sizes are checked before anything is read, a folder's entries must be regular files
// (no symbolic links, no subfolders followed) named plainly (no path separators, no '..'), and the number of
// images is capped with a message saying so.

import { isImageName } from './images';
import { InputError } from './inputError';

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface InputFs<P> {
  /** What is at `path` (a symbolic link chosen by the user is followed), or null when nothing is. */
  stat(path: P): Promise<{ readonly type: EntryType; readonly size: number } | null>;
  /** A folder's entries, without following symbolic links. */
  list(folder: P): Promise<readonly { readonly name: string; readonly type: EntryType }[]>;
  read(path: P): Promise<Uint8Array>;
  join(folder: P, name: string): P;
  /** The path as the user should read it in messages. */
  show(path: P): string;
}

/** The data, read but not decoded: what the worker gets. */
export type InputData =
  | { readonly kind: 'arrays'; readonly file: string; readonly bytes: Uint8Array }
  | { readonly kind: 'images'; readonly source: string; readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[]; readonly note: string | null }
  | { readonly kind: 'tensorProto'; readonly file: string; readonly bytes: Uint8Array }
  | { readonly kind: 'csv'; readonly file: string; readonly bytes: Uint8Array };

export type InputKind = InputData['kind'];

/** One image file may be this large; an array, TensorProto or CSV file this large. */
export const MAX_IMAGE_FILE_BYTES = 64 * 2 ** 20;
export const MAX_DATA_FILE_BYTES = 2 ** 30;
/** Images read from a folder at most (the first ones by name): for recalibration, decoded a batch at a time… */
export const MAX_IMAGES = 512;
/** …and for the probe, which runs them as one batch and keeps every normalization layer's activations. */
export const MAX_PROBE_IMAGES = 64;

/** The kind of one data file, from its name (an ONNX test data file is a TensorProto in `input_K.pb`). */
export function inputKindOfName(name: string): InputKind | null {
  if (/\.(npy|npz)$/i.test(name)) return 'arrays';
  if (isImageName(name)) return 'images';
  if (/\.pb$/i.test(name)) return 'tensorProto';
  if (/\.(csv|tsv)$/i.test(name)) return 'csv';
  return null;
}

const plainName = (name: string): boolean => name !== '' && name !== '.' && name !== '..' && !/[/\\]/.test(name) && !name.includes('\0');
const byName = new Intl.Collator('en', { numeric: true }).compare;
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

async function readChecked<P>(fs: InputFs<P>, path: P, limit: number): Promise<Uint8Array> {
  const info = await fs.stat(path);
  if (!info) throw new InputError(fs.show(path), 'no such file');
  if (info.type !== 'file') throw new InputError(fs.show(path), `not a regular file (${info.type})`);
  if (info.size > limit) throw new InputError(fs.show(path), `the file is ${mb(info.size)}; BN Lens reads data files up to ${mb(limit)}`);
  const bytes = await fs.read(path);
  // The file may have grown between the two calls; what was read is what counts.
  if (bytes.length > limit) throw new InputError(fs.show(path), `the file is ${mb(bytes.length)}; BN Lens reads data files up to ${mb(limit)}`);
  return bytes;
}

/** Reads the images of a list of files (already checked to be regular files), at most `maxImages`. */
async function readImages<P>(fs: InputFs<P>, source: string, paths: readonly P[], names: readonly string[], maxImages: number, skipped: string[]): Promise<InputData> {
  const total = paths.length;
  const take = Math.min(total, maxImages);
  const files: { name: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < take; i++) files.push({ name: names[i], bytes: await readChecked(fs, paths[i], MAX_IMAGE_FILE_BYTES) });
  const notes = [
    total > take ? `the first ${take} of ${total} images by name; BN Lens reads at most ${maxImages}` : null,
    skipped.length ? `skipped ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} that ${skipped.length === 1 ? 'is' : 'are'} not a PNG/JPEG file: ${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''}` : null,
  ].filter((n): n is string => n !== null);
  return { kind: 'images', source, files, note: notes.length ? notes.join('; ') : null };
}

async function gatherFolder<P>(fs: InputFs<P>, folder: P, maxImages: number): Promise<InputData> {
  const shown = fs.show(folder);
  const entries = (await fs.list(folder)).filter((e) => plainName(e.name)).sort((a, b) => byName(a.name, b.name));
  const images = entries.filter((e) => e.type === 'file' && isImageName(e.name));
  if (images.length) {
    const skipped = entries.filter((e) => !images.includes(e)).map((e) => (e.type === 'file' ? e.name : `${e.name} (${e.type})`));
    return readImages(fs, shown, images.map((e) => fs.join(folder, e.name)), images.map((e) => e.name), maxImages, skipped);
  }
  // An ONNX test data set: test_data_set_K/input_0.pb (the model's first input; outputs are ignored).
  const input0 = entries.find((e) => e.type === 'file' && e.name === 'input_0.pb');
  if (input0) {
    const path = fs.join(folder, input0.name);
    return { kind: 'tensorProto', file: fs.show(path), bytes: await readChecked(fs, path, MAX_DATA_FILE_BYTES) };
  }
  const sets = entries.filter((e) => e.type === 'directory' && /^test_data_set_\d+$/.test(e.name)).map((e) => e.name);
  if (sets.length) throw new InputError(shown, `the folder holds ONNX test data sets (${sets.slice(0, 3).join(', ')}${sets.length > 3 ? ', …' : ''}); choose one of them`);
  const links = entries.filter((e) => e.type === 'symlink' && isImageName(e.name)).length;
  throw new InputError(shown, `the folder has no PNG or JPEG images and no ONNX test data (input_0.pb)${links ? `; ${links} image${links === 1 ? ' is a symbolic link' : 's are symbolic links'}, which BN Lens does not follow` : ''}`);
}

/**
 * The data at `paths`: one folder (of images, or an ONNX test data set), one data file (.npy/.npz, PNG/JPEG,
 * .pb, .csv), or several image files.
 */
export async function gatherInput<P>(fs: InputFs<P>, paths: readonly P[], maxImages = MAX_IMAGES): Promise<InputData> {
  if (paths.length === 0) throw new InputError('input', 'no file or folder given');
  if (paths.length > 1) {
    const names = paths.map((p) => fs.show(p));
    const notImage = names.find((n) => !isImageName(n));
    if (notImage) throw new InputError(notImage, 'only image files (PNG, JPEG) can be given several at a time');
    const order = names.map((n, i) => ({ n, i })).sort((a, b) => byName(a.n, b.n));
    return readImages(fs, `${paths.length} image files`, order.map((o) => paths[o.i]), order.map((o) => o.n), maxImages, []);
  }
  const path = paths[0];
  const info = await fs.stat(path);
  if (!info) throw new InputError(fs.show(path), 'no such file or folder');
  if (info.type === 'directory') return gatherFolder(fs, path, maxImages);
  const kind = inputKindOfName(fs.show(path));
  const file = fs.show(path);
  switch (kind) {
    case 'images': return readImages(fs, file, [path], [file], maxImages, []);
    case 'arrays': case 'tensorProto': case 'csv': return { kind, file, bytes: await readChecked(fs, path, MAX_DATA_FILE_BYTES) };
    default: throw new InputError(file, 'not a data file BN Lens reads: give a folder of images, PNG/JPEG files, a .npy/.npz array, an ONNX TensorProto (input_0.pb) or a .csv table');
  }
}
