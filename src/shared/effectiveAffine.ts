// The affine map a normalization layer applies at inference, per channel.

export interface AffineInputs {
  readonly gamma: Float32Array | null;
  readonly beta: Float32Array | null;
  readonly runningMean: Float32Array | null;
  readonly runningVar: Float32Array | null;
  readonly epsilon: number | null;
}

/**
 * At inference a BN layer is y = scale·x + shift per channel, with scale = γ/√(var+ε) and
 * shift = β − γ·mean/√(var+ε). Absent γ counts as 1 and absent β as 0 (affine=False, center/scale off).
 */
export function effectiveAffine(layer: AffineInputs): { scale: Float32Array; shift: Float32Array } | null {
  const { runningMean: mean, runningVar: variance, epsilon } = layer;
  if (!mean || !variance || epsilon === null || mean.length !== variance.length) return null;
  const n = mean.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const g = layer.gamma ? layer.gamma[c] : 1;
    const b = layer.beta ? layer.beta[c] : 0;
    const s = g / Math.sqrt(variance[c] + epsilon);
    scale[c] = s;
    shift[c] = b - mean[c] * s;
  }
  return { scale, shift };
}

