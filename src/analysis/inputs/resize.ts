// Resizing and centre-cropping planar float images as torchvision does for the classic ImageNet pipeline,
// `Resize(size)` then `CenterCrop(crop)`:
//  - Resize scales the shorter side to `size` and the longer one to int(size · long / short);
//  - the resampling is bilinear with antialiasing (torchvision's default, antialias=True): the triangle filter
//    is widened by the scale factor when shrinking, so every source pixel contributes — PIL's BILINEAR and
//    torch's _upsample_bilinear2d_aa (align_corners=False, half-pixel centres) compute the same weights. It is
//    done in float, as torchvision's tensor path does; PIL's path rounds to uint8 after each pass, which
//    differs by at most about one grey level;
//  - CenterCrop takes the offsets int(round((size − crop) / 2)), with Python's round-half-to-even.

/** A planar image: `channels` planes of height × width floats. */
export interface PlanarImage {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

/** torchvision's output size for Resize(size) with an int size: the shorter side becomes `size`. */
export function resizedSize(height: number, width: number, size: number): { height: number; width: number } {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.floor((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { height: size, width: newLong };
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function centerCropOffset(size: number, crop: number): number {
  return roundHalfEven((size - crop) / 2);
}

interface AxisWeights {
  readonly first: Int32Array;
  readonly count: Int32Array;
  /** `taps` weights per output position, the first `count[i]` of them used. */
  readonly weights: Float64Array;
  readonly taps: number;
}

/** PIL's precompute_coeffs for the bilinear (triangle) filter, normalized so each output's weights sum to 1. */
function axisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support is 1, widened when shrinking
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const w = Math.max(0, 1 - Math.abs((x - center + 0.5) / filterScale));
      weights[i * taps + x - lo] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < hi - lo; k++) weights[i * taps + k] /= total;
    first[i] = lo;
    count[i] = hi - lo;
  }
  return { first, count, weights, taps };
}

/** Bilinear, antialiased resampling of every plane to outHeight × outWidth (rows first, then columns). */
export function resample(image: PlanarImage, outHeight: number, outWidth: number): PlanarImage {
  const { channels, height, width, data } = image;
  if (height === outHeight && width === outWidth) return image;
  const h = axisWeights(width, outWidth);
  const v = axisWeights(height, outHeight);
  const rows = new Float32Array(channels * height * outWidth);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const src = (c * height + y) * width;
      const dst = (c * height + y) * outWidth;
      for (let x = 0; x < outWidth; x++) {
        let sum = 0;
        const base = h.first[x];
        for (let k = 0; k < h.count[x]; k++) sum += h.weights[x * h.taps + k] * data[src + base + k];
        rows[dst + x] = sum;
      }
    }
  }
  const out = new Float32Array(channels * outHeight * outWidth);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outHeight; y++) {
      const dst = (c * outHeight + y) * outWidth;
      const base = v.first[y];
      for (let k = 0; k < v.count[y]; k++) {
        const w = v.weights[y * v.taps + k];
        const src = (c * height + base + k) * outWidth;
        for (let x = 0; x < outWidth; x++) out[dst + x] += w * rows[src + x];
      }
    }
  }
  return { channels, height: outHeight, width: outWidth, data: out };
}

/** The centre cropHeight × cropWidth of every plane; the image must be at least that large. */
export function centerCrop(image: PlanarImage, cropHeight: number, cropWidth: number): PlanarImage {
  const { channels, height, width, data } = image;
  if (cropHeight > height || cropWidth > width) throw new RangeError(`cannot crop ${cropHeight} × ${cropWidth} out of ${height} × ${width}`);
  const top = centerCropOffset(height, cropHeight);
  const left = centerCropOffset(width, cropWidth);
  const out = new Float32Array(channels * cropHeight * cropWidth);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < cropHeight; y++) {
      const src = (c * height + top + y) * width + left;
      out.set(data.subarray(src, src + cropWidth), (c * cropHeight + y) * cropWidth);
    }
  }
  return { channels, height: cropHeight, width: cropWidth, data: out };
}

/** Resize(size) then CenterCrop([cropHeight, cropWidth]), as torchvision composes them. */
export function resizeAndCrop(image: PlanarImage, size: number, cropHeight: number, cropWidth: number): PlanarImage {
  const target = resizedSize(image.height, image.width, size);
  return centerCrop(resample(image, target.height, target.width), cropHeight, cropWidth);
}
