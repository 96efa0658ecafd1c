// What a forward convolution's output gets before it leaves the kernels' memory (the engine's
// ConvEpilogue): y = act(y·scale[c] + shift[c] + residual), the folded eval-mode BatchNorm, residual
// Add and ReLU or Clip (ReLU6) of an inference pass. Plain multiply then add, never fused, so the result is the
// JavaScript reference's (src/engine/kernels/conv.ts applyEpilogue) to the bit in both builds.

/**
 * Images n0..n1 of `channels` planes of `plane` floats at y; scale, shift and residual are 0 when
 * absent (residual has y's layout). ReLU maps NaN and −0 to +0, as the ReLU layer does; with clip,
 * values below low become low and above high become high, NaN stays, as the Clip layer does.
 */
export function convEpilogue(y: usize, n0: i32, n1: i32, channels: i32, plane: i32, scale: usize, shift: usize, residual: usize, relu: bool,
  clip: bool, low: f32, high: f32): void {
  const affine = scale != 0 || shift != 0;
  const zero = f32x4.splat(0);
  const lowV = f32x4.splat(low), highV = f32x4.splat(high);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < channels; c++) {
      const a: f32 = scale != 0 ? load<f32>(scale + <usize>(c * 4)) : 1;
      const b: f32 = shift != 0 ? load<f32>(shift + <usize>(c * 4)) : 0;
      const av = f32x4.splat(a), bv = f32x4.splat(b);
      const offset = <usize>((n * channels + c) * plane) * 4;
      const p = y + offset;
      const r = residual + offset;
      let i = 0;
      for (; i + 4 <= plane; i += 4) {
        const at = <usize>(i * 4);
        let v = v128.load(p + at);
        if (affine) v = f32x4.add(f32x4.mul(v, av), bv);
        if (residual != 0) v = f32x4.add(v, v128.load(r + at));
        if (relu) v = v128.and(v, f32x4.gt(v, zero));
        if (clip) {
          v = v128.bitselect(lowV, v, f32x4.lt(v, lowV));
          v = v128.bitselect(highV, v, f32x4.gt(v, highV));
        }
        v128.store(p + at, v);
      }
      for (; i < plane; i++) {
        const at = <usize>(i * 4);
        let v = load<f32>(p + at);
        if (affine) v = v * a + b;
        if (residual != 0) v += load<f32>(r + at);
        if (relu) v = v > 0 ? v : 0;
        if (clip) v = v < low ? low : v > high ? high : v;
        store<f32>(p + at, v);
      }
    }
  }
}
