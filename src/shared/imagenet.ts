// torchvision's ImageNet statistics (RGB, for inputs scaled to [0, 1]): the preset of the preprocessing,
// in a module of its own so the webview can show it without bundling the decoders.
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** The ImageNet preset for a scale: the statistics above, multiplied by 255 for [0, 255] inputs. */
export function imagenetPreset(scale: 1 | 255): { mean: number[]; std: number[] } {
  return { mean: IMAGENET_MEAN.map((m) => m * scale), std: IMAGENET_STD.map((s) => s * scale) };
}

/** Whether a mean/std pair is the ImageNet preset at this scale. */
export function isImagenetPreset(mean: readonly number[] | null, std: readonly number[] | null, scale: number): boolean {
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => Math.abs(v - b[i] * scale) < 1e-9);
  return mean !== null && std !== null && same(mean, IMAGENET_MEAN) && same(std, IMAGENET_STD);
}
