// Transposed convolution (ONNX ConvTranspose, PyTorch ConvTranspose1d/2d): the adjoint of a
// convolution, computed as the convolution's backward pass: columns = Wᵀ·x per group (the GEMM
// kernel), folded onto the output with col2im. Weight [Cin, Cout/groups, kH, kW].

import { kernels, type ConvGeometry } from '../kernels';
import { allocate, Tensor } from '../tensor';

export interface ConvTransposeSpec {
  readonly groups: number;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** [top, left, bottom, right], already resolved from auto_pad / output_shape. */
  readonly pads: readonly [number, number, number, number];
  readonly outputPadding: readonly [number, number];
}

/** Output size along one axis: stride·(in−1) + output_padding + (k−1)·dilation + 1 − pads. */
export function convTransposeOutSize(inSize: number, k: number, s: number, d: number, begin: number, end: number, outPad: number): number {
  return s * (inSize - 1) + outPad + (k - 1) * d + 1 - begin - end;
}

export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | undefined, spec: ConvTransposeSpec): Tensor {
  if (x.rank !== 4 || weight.rank !== 4) throw new RangeError(`ConvTranspose expects [N, C, H, W] input and weight, got [${x.shape.join(',')}] and [${weight.shape.join(',')}]`);
  const [n, cin, inH, inW] = x.shape;
  const [wIn, coutG, kH, kW] = weight.shape;
  const g = spec.groups;
  if (wIn !== cin || cin % g !== 0) throw new RangeError(`ConvTranspose: input has ${cin} channels, the weight expects ${wIn} in ${g} group(s)`);
  const cinG = cin / g;
  const cout = coutG * g;
  const [sH, sW] = spec.strides;
  const [dH, dW] = spec.dilations;
  const [pT, pL, pB, pR] = spec.pads;
  const outH = convTransposeOutSize(inH, kH, sH, dH, pT, pB, spec.outputPadding[0]);
  const outW = convTransposeOutSize(inW, kW, sW, dW, pL, pR, spec.outputPadding[1]);
  if (outH < 1 || outW < 1) throw new RangeError(`ConvTranspose: the output would be ${outH}×${outW}`);
  // The convolution whose adjoint this is maps a coutG-channel outH×outW image to inH×inW.
  const geometry: ConvGeometry = {
    channels: coutG, inH: outH, inW: outW, kH, kW, strideH: sH, strideW: sW, padTop: pT, padLeft: pL,
    dilationH: dH, dilationW: dW, outH: inH, outW: inW,
  };
  const kern = kernels();
  const rows = coutG * kH * kW;
  const inSize = inH * inW;
  const outSize = outH * outW;
  const col = allocate(x.dtype, rows * inSize);
  const y = allocate(x.dtype, n * cout * outSize);
  for (let b = 0; b < n; b++) {
    for (let grp = 0; grp < g; grp++) {
      const xOff = (b * cin + grp * cinG) * inSize;
      kern.gemm({
        m: rows, n: inSize, k: cinG,
        a: weight.data.subarray(grp * cinG * rows, (grp + 1) * cinG * rows), transA: true,
        b: x.data.subarray(xOff, xOff + cinG * inSize), transB: false, c: col, accumulate: false,
      });
      kern.col2im(geometry, col, y, (b * cout + grp * coutG) * outSize);
    }
  }
  if (bias) {
    for (let b = 0; b < n; b++) {
      for (let co = 0; co < cout; co++) {
        const o = (b * cout + co) * outSize;
        for (let i = 0; i < outSize; i++) y[o + i] += bias.data[co];
      }
    }
  }
  return new Tensor(y, [n, cout, outH, outW]);
}
