// Max pooling (NCHW, float32), planes p0..p1 of one geometry (conv.ts's layout, channels = 1: each
// plane pools alone). The window is clipped to the input once per output row and column, so the inner
// loop has no bounds checks, and the running maximum is a select, not a branch: on real activations
// the comparison goes either way unpredictably. NaN wins, as in PyTorch's max_pool2d.

// @ts-ignore: decorator
@inline function geo(g: usize, field: i32): i32 {
  return load<i32>(g + <usize>(field * 4));
}

/** The first window tap at or after 0 of a window starting at `start` with taps `step` apart. */
// @ts-ignore: decorator
@inline function firstTap(start: i32, step: i32): i32 {
  return start >= 0 ? 0 : (-start + step - 1) / step;
}

/** One past the last of `taps` window taps before `size`. */
// @ts-ignore: decorator
@inline function endTap(start: i32, step: i32, taps: i32, size: i32): i32 {
  return start >= size ? 0 : min(taps, (size - 1 - start) / step + 1);
}

export function maxPool2d(g: usize, p0: i32, p1: i32, x: usize, y: usize): void {
  const inH = geo(g, 1), inW = geo(g, 2), kH = geo(g, 3), kW = geo(g, 4);
  const sH = geo(g, 5), sW = geo(g, 6), padTop = geo(g, 7), padLeft = geo(g, 8), dH = geo(g, 9), dW = geo(g, 10);
  const outH = geo(g, 11), outW = geo(g, 12);
  const rowBytes = <usize>(inW * 4), tapBytes = <usize>(dW * 4);
  let o = y + <usize>(p0 * outH * outW * 4);
  for (let plane = p0; plane < p1; plane++) {
    const base = x + <usize>(plane * inH * inW * 4);
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH - padTop;
      const iLo = firstTap(h0, dH), iHi = endTap(h0, dH, kH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * sW - padLeft;
        const jLo = firstTap(w0, dW), jHi = endTap(w0, dW, kW, inW);
        let acc: f32 = -Infinity;
        for (let i = iLo; i < iHi; i++) {
          let p = base + <usize>(h0 + i * dH) * rowBytes + <usize>((w0 + jLo * dW) * 4);
          for (let j = jLo; j < jHi; j++) {
            const v = load<f32>(p);
            acc = select<f32>(v, acc, v > acc || v != v);
            p += tapBytes;
          }
        }
        store<f32>(o, acc);
        o += 4;
      }
    }
  }
}
