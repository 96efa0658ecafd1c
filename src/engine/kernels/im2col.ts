// im2col / col2im (Chellapilla et al., 2006; Caffe): convolution as one matrix multiply per image and
// group. Rows of the column matrix are (channel, kernel row, kernel column), columns are output pixels.

import type { FloatArray } from '../tensor';
import type { ConvGeometry } from './types';

export function im2colJs(g: ConvGeometry, input: FloatArray, inputOffset: number, col: FloatArray): void {
  const { channels, inH, inW, kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  const outSize = outH * outW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const plane = inputOffset + c * inH * inW;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++, row++) {
        let o = row * outSize;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padTop + ki * dilationH;
          if (ih < 0 || ih >= inH) {
            col.fill(0, o, o + outW);
            o += outW;
            continue;
          }
          const inRow = plane + ih * inW;
          let iw = kj * dilationW - padLeft;
          for (let ow = 0; ow < outW; ow++, iw += strideW) {
            col[o++] = iw >= 0 && iw < inW ? input[inRow + iw] : 0;
          }
        }
      }
    }
  }
}

export function col2imJs(g: ConvGeometry, col: FloatArray, gradInput: FloatArray, gradInputOffset: number): void {
  const { channels, inH, inW, kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  const outSize = outH * outW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const plane = gradInputOffset + c * inH * inW;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++, row++) {
        let o = row * outSize;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padTop + ki * dilationH;
          if (ih < 0 || ih >= inH) {
            o += outW;
            continue;
          }
          const inRow = plane + ih * inW;
          let iw = kj * dilationW - padLeft;
          for (let ow = 0; ow < outW; ow++, iw += strideW, o++) {
            if (iw >= 0 && iw < inW) gradInput[inRow + iw] += col[o];
          }
        }
      }
    }
  }
}
