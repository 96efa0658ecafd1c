// The data options `bnlens forward` and `bnlens recalibrate` share: --input (a folder of images, image files,
// .npy/.npz, an ONNX TensorProto or test data set folder, a CSV) and the image preprocessing flags, read
// through node:fs with the checks of analysis/inputs/gather.ts.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalFileError, readRegularFile } from '../analysis/localFiles';
import { InputError } from '../analysis/inputs/inputError';
import { gatherInput, type EntryType, type InputData, type InputFs } from '../analysis/inputs/gather';
import { imagenetPreset } from '../shared/imagenet';
import type { Preprocessing } from '../analysis/inputs/preprocess';

/** The options that take a value, for parseArgs. */
export const DATA_OPTIONS = ['--input', '--resize', '--crop', '--scale', '--mean', '--std', '--preset', '--layout'] as const;

export const DATA_HELP = `Data (--input PATH) for forward and recalibrate:
  a folder of PNG/JPEG images     read in name order (at most 64 for forward, 512 for recalibrate;
                                  other entries, subfolders and symbolic links are skipped)
  IMG.png | IMG.jpg               one image
  X.npy | X.npz                   arrays in the model's own layout (NHWC for a channels-last model);
                                  an .npz maps input names to arrays
  input_0.pb | test_data_set_N/   an ONNX TensorProto, or an ONNX test data set folder (its input_0.pb)
  X.csv                           one sample per row, one feature per column, optional header row,
                                  for models whose input is [N, features]
Image preprocessing (as torchvision's Resize + CenterCrop + ToTensor + Normalize):
  --resize N                      resize the shorter side to N pixels (bilinear, antialiased), then
                                  centre-crop to the model's input size (default N: the crop's larger side)
  --crop H[,W]                    the crop size, for a model whose input leaves height and width open
  --scale 1|255                   pixel values in [0, 1] (default) or [0, 255]
  --preset imagenet               mean 0.485,0.456,0.406 and std 0.229,0.224,0.225 (× 255 with --scale 255)
  --mean A,B,C --std A,B,C        per-channel mean and std, in the units of --scale (default: none)
  --layout nchw|nhwc              default: from the model's input shape`;

function entryType(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryType {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  return 'other';
}

const nodeInputFs: InputFs<string> = {
  async stat(path) {
    try {
      const s = await stat(path);
      return { type: entryType(s), size: s.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  },
  list: async (folder) => (await readdir(folder, { withFileTypes: true })).map((d) => ({ name: d.name, type: entryType(d) })),
  // fstat'ed as it is opened: a file swapped for a FIFO or device after the stat is refused, not read.
  read: async (path) => {
    try {
      return await readRegularFile(path);
    } catch (e) {
      if (e instanceof LocalFileError) throw new InputError(path, e.problem);
      throw e;
    }
  },
  join: (folder, name) => join(folder, name),
  show: (path) => path,
};

export function readDataInput(path: string, maxImages: number): Promise<InputData> {
  return gatherInput(nodeInputFs, [path], maxImages);
}

function numbers(flag: string, text: string): number[] | string {
  const values = text.split(',').map((v) => Number(v.trim()));
  return values.length > 0 && values.every(Number.isFinite) && text.trim() !== '' ? values : `${flag} takes comma-separated numbers, not '${text}'`;
}

/** The preprocessing the flags ask for, or a usage problem as a string. */
export function preprocessingFromFlags(values: ReadonlyMap<string, string>): Preprocessing | string {
  const get = (flag: string): string | undefined => values.get(flag);
  const scaleText = get('--scale') ?? '1';
  if (scaleText !== '1' && scaleText !== '255') return `--scale is 1 or 255, not '${scaleText}'`;
  const scale = Number(scaleText) as 1 | 255;
  let resize: number | null = null;
  if (get('--resize') !== undefined) {
    resize = Number(get('--resize'));
    if (!Number.isInteger(resize) || resize <= 0) return `--resize takes a number of pixels, not '${get('--resize')}'`;
  }
  let crop: [number, number] | null = null;
  if (get('--crop') !== undefined) {
    const c = numbers('--crop', get('--crop') as string);
    if (typeof c === 'string') return c;
    if (c.length > 2 || c.some((d) => !Number.isInteger(d) || d <= 0)) return `--crop is H or H,W in pixels, not '${get('--crop')}'`;
    crop = [c[0], c[1] ?? c[0]];
  }
  const preset = get('--preset');
  if (preset !== undefined && preset !== 'imagenet') return `--preset is imagenet, not '${preset}'`;
  if (preset && (get('--mean') !== undefined || get('--std') !== undefined)) return '--preset imagenet sets the mean and std; give either it or --mean/--std';
  let mean: number[] | null = null;
  let std: number[] | null = null;
  if (preset) ({ mean, std } = imagenetPreset(scale));
  else if (get('--mean') !== undefined || get('--std') !== undefined) {
    if (get('--mean') === undefined || get('--std') === undefined) return 'give both --mean and --std';
    const m = numbers('--mean', get('--mean') as string);
    const s = numbers('--std', get('--std') as string);
    if (typeof m === 'string') return m;
    if (typeof s === 'string') return s;
    [mean, std] = [m, s];
  }
  const layoutText = get('--layout')?.toUpperCase();
  if (layoutText !== undefined && layoutText !== 'NCHW' && layoutText !== 'NHWC') return `--layout is nchw or nhwc, not '${get('--layout')}'`;
  return { resize, scale, mean, std, layout: layoutText ?? 'auto', crop };
}
