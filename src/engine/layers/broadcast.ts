// Element-wise combinations of several tensors with NumPy broadcasting (shapes aligned from the
// right, size-1 axes stretched): Keras's Multiply (squeeze-and-excitation's [N,H,W,C]·[N,1,1,C]),
// Subtract, Average, Maximum, Minimum, and Add where shapes differ. The gradient of a broadcast input
// is summed over the axes it was stretched along; Maximum/Minimum pass it to the first input holding
// the extreme value, as TensorFlow's gradient does for ties between two inputs (x ≥ y goes to x).

import type { ForwardContext, Layer, Parameter } from '../layer';
import { broadcastIndex, broadcastShapes } from '../ops/broadcast';
import { sizeOf, Tensor, type FloatArray } from '../tensor';
import { expectShape, saved } from './common';

export type BroadcastOp = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';

/** For each output position, the flat index into an input (the identity where it has the output's size). */
function sourceIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  return broadcastIndex(shape, outShape) ?? Int32Array.from({ length: sizeOf(outShape) }, (_, i) => i);
}

export class Broadcast implements Layer {
  readonly kind: string;
  readonly name: string;
  readonly op: BroadcastOp;
  private state: { inputs: readonly Tensor[]; indices: Int32Array[]; y: Tensor } | undefined;

  constructor(options: { op: BroadcastOp; name?: string }) {
    this.op = options.op;
    this.kind = options.op[0].toUpperCase() + options.op.slice(1);
    this.name = options.name ?? options.op;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    if (inputs.length < 1 || (this.op === 'subtract' && inputs.length !== 2)) {
      throw new RangeError(`${this.kind} takes ${this.op === 'subtract' ? 'exactly 2' : 'at least 1'} input(s), got ${inputs.length}`);
    }
    if (inputs.some((x) => x.dtype !== inputs[0].dtype)) throw new TypeError(`${this.kind}: inputs have different dtypes`);
    const outShape = broadcastShapes(...inputs.map((x) => x.shape));
    const indices = inputs.map((x) => sourceIndex(x.shape, outShape));
    const y = Tensor.zeros(outShape, inputs[0].dtype);
    const out = y.data;
    const first = inputs[0].data;
    const i0 = indices[0];
    for (let o = 0; o < out.length; o++) out[o] = first[i0[o]];
    for (let k = 1; k < inputs.length; k++) {
      const x = inputs[k].data;
      const ik = indices[k];
      switch (this.op) {
        case 'add': case 'average': for (let o = 0; o < out.length; o++) out[o] += x[ik[o]]; break;
        case 'subtract': for (let o = 0; o < out.length; o++) out[o] -= x[ik[o]]; break;
        case 'multiply': for (let o = 0; o < out.length; o++) out[o] *= x[ik[o]]; break;
        case 'maximum': for (let o = 0; o < out.length; o++) out[o] = Math.max(out[o], x[ik[o]]); break;
        case 'minimum': for (let o = 0; o < out.length; o++) out[o] = Math.min(out[o], x[ik[o]]); break;
      }
    }
    if (this.op === 'average') for (let o = 0; o < out.length; o++) out[o] /= inputs.length;
    this.state = { inputs, indices, y };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { inputs, indices, y } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, y.shape);
    const dy = gradOutput.data;
    const n = inputs.length;
    // For Maximum/Minimum: which input each output came from (the first that holds the value).
    let winner: Int32Array | undefined;
    if (this.op === 'maximum' || this.op === 'minimum') {
      winner = new Int32Array(dy.length).fill(-1);
      for (let k = 0; k < n; k++) {
        const x = inputs[k].data;
        const ik = indices[k];
        for (let o = 0; o < dy.length; o++) if (winner[o] < 0 && x[ik[o]] === y.data[o]) winner[o] = k;
      }
    }
    return inputs.map((input, k) => {
      const dx = input.zerosLike();
      const g: FloatArray = dx.data;
      const ik = indices[k];
      for (let o = 0; o < dy.length; o++) g[ik[o]] += this.gradient(k, o, dy[o], inputs, indices, winner);
      return dx;
    });
  }

  private gradient(k: number, o: number, dy: number, inputs: readonly Tensor[], indices: Int32Array[], winner: Int32Array | undefined): number {
    switch (this.op) {
      case 'add': return dy;
      case 'average': return dy / inputs.length;
      case 'subtract': return k === 0 ? dy : -dy;
      case 'maximum': case 'minimum': return winner![o] === k ? dy : 0;
      case 'multiply': {
        let product = dy;
        for (let j = 0; j < inputs.length; j++) if (j !== k) product *= inputs[j].data[indices[j][o]];
        return product;
      }
    }
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
