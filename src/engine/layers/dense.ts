// Fully connected layer, PyTorch nn.Linear / ONNX Gemm(transB=1): y = x·Wᵀ + b, with the weight
// stored [outFeatures, inFeatures] as PyTorch does (Keras Dense kernels are [in, out]: transpose on
// import). Inputs may have any leading dimensions [..., inFeatures], as in PyTorch.

import type { ForwardContext, Layer, Parameter, Rng } from '../layer';
import { kernels } from '../kernels';
import { Tensor, type DType } from '../tensor';
import { initBias, initWeight, type InitializerName } from '../train/initializers';
import { createParameter, expectDType, expectInputs, expectShape, saved } from './common';

export interface DenseOptions {
  inFeatures: number;
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
  /** Default 'pytorch' (kaiming_uniform with a = √5, bias U(±1/√inFeatures)). */
  init?: InitializerName;
  dtype?: DType;
  name?: string;
}

export class Dense implements Layer {
  readonly kind = 'Dense';
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  private input: Tensor | undefined;

  constructor(options: DenseOptions, rng: Rng) {
    const { inFeatures, outFeatures, bias = true, init = 'pytorch', dtype = 'float32' } = options;
    this.name = options.name ?? 'dense';
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const shape = [outFeatures, inFeatures];
    this.weight = createParameter('weight', initWeight(init, shape, rng, dtype));
    this.bias = bias ? createParameter('bias', initBias(init, shape, rng, dtype)) : undefined;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    expectDType(this.kind, x, this.weight.value.dtype);
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new RangeError(`Dense expects [..., ${this.inFeatures}], got [${x.shape.join(',')}]`);
    }
    const rows = x.size / this.inFeatures;
    const y = Tensor.zeros([...x.shape.slice(0, -1), this.outFeatures], x.dtype);
    kernels().gemm({
      m: rows, n: this.outFeatures, k: this.inFeatures,
      a: x.data, transA: false, b: this.weight.value.data, transB: true, c: y.data, accumulate: false,
      bias: this.bias?.value.data, biasAxis: 'col',
    });
    this.input = x;
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const x = saved(this.kind, this.input);
    expectShape(this.kind, gradOutput, [...x.shape.slice(0, -1), this.outFeatures]);
    const rows = x.size / this.inFeatures;
    const g = gradOutput.data;
    const gradInput = x.zerosLike();
    // dx = dy·W ; dW += dyᵀ·x ; db += Σ_rows dy
    kernels().gemm({
      m: rows, n: this.inFeatures, k: this.outFeatures,
      a: g, transA: false, b: this.weight.value.data, transB: false, c: gradInput.data, accumulate: false,
    });
    kernels().gemm({
      m: this.outFeatures, n: this.inFeatures, k: rows,
      a: g, transA: true, b: x.data, transB: false, c: this.weight.grad.data, accumulate: true,
    });
    if (this.bias) {
      const gb = this.bias.grad.data;
      for (let r = 0; r < rows; r++) {
        const o = r * this.outFeatures;
        for (let j = 0; j < this.outFeatures; j++) gb[j] += g[o + j];
      }
    }
    return [gradInput];
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
