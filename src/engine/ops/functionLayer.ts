// An engine layer around a pure tensor function, for ops imported from model files that only need a
// forward pass (shape arithmetic, element-wise math, resampling, …). Constant operands are bound at
// construction; the layer's inputs fill the remaining operand slots in order. Its backward pass is
// refused with the op's name: these layers carry no parameters, and inference (eval or train mode, for
// normalization statistics) needs none.

import type { ForwardContext, Layer, Parameter } from '../layer';
import type { Tensor } from '../tensor';

export type TensorFunction = (operands: readonly (Tensor | undefined)[]) => Tensor;

export class FunctionLayer implements Layer {
  constructor(
    readonly name: string,
    readonly kind: string,
    private readonly fn: TensorFunction,
    /** One entry per operand: a bound constant, null for a slot the layer's inputs fill, undefined for an omitted optional operand. */
    private readonly operands: readonly (Tensor | null | undefined)[],
  ) {}

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    let next = 0;
    const full = this.operands.map((o) => (o === null ? inputs[next++] : o));
    if (next !== inputs.length) throw new RangeError(`${this.kind} '${this.name}' takes ${next} input(s), got ${inputs.length}`);
    try {
      return this.fn(full);
    } catch (e) {
      // A shape that does not fit is the input's problem: say which node met it.
      if (e instanceof RangeError) throw new RangeError(`${this.kind} '${this.name}': ${e.message.replace(`${this.kind}: `, '')}`);
      throw e;
    }
  }

  backward(_gradOutput: Tensor): Tensor[] {
    throw new Error(`${this.kind} '${this.name}' runs forward only: the engine has no gradient for this imported operator`);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
