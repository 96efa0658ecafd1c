// Losses with their gradients, 'mean' reduction as PyTorch's defaults. Sums run in float64; the
// gradient has the dtype of the prediction.

import { sigmoid } from '../layers/activations';
import { Tensor } from '../tensor';

export interface LossResult {
  /** Mean loss over the batch. */
  value: number;
  /** ∂value/∂prediction. */
  grad: Tensor;
}

/** mean((pred − target)²) over every element (nn.MSELoss). */
export function mseLoss(pred: Tensor, target: Tensor): LossResult {
  if (pred.size !== target.size) throw new RangeError(`mseLoss: ${pred.size} predictions, ${target.size} targets`);
  const n = pred.size;
  const grad = pred.zerosLike();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = pred.data[i] - target.data[i];
    sum += d * d;
    grad.data[i] = (2 * d) / n;
  }
  return { value: sum / n, grad };
}

/**
 * nn.BCEWithLogitsLoss: mean of −[y·log σ(x) + (1−y)·log(1−σ(x))], computed as
 * max(x, 0) − x·y + log(1 + e^{−|x|}) so that large |x| neither overflows nor takes log(0).
 */
export function bceWithLogitsLoss(logits: Tensor, targets: Tensor): LossResult {
  if (logits.size !== targets.size) throw new RangeError(`bceWithLogitsLoss: ${logits.size} logits, ${targets.size} targets`);
  const n = logits.size;
  const grad = logits.zerosLike();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = logits.data[i];
    const y = targets.data[i];
    sum += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    grad.data[i] = (sigmoid(x) - y) / n;
  }
  return { value: sum / n, grad };
}

/**
 * nn.CrossEntropyLoss on logits [N, C] with integer class labels: mean of logsumexp(x) − x[label],
 * max-subtracted for stability. Gradient (softmax(x) − onehot(label)) / N.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): LossResult {
  if (logits.rank !== 2) throw new RangeError(`softmaxCrossEntropy expects logits [N, C], got [${logits.shape.join(',')}]`);
  const [n, c] = logits.shape;
  if (labels.length !== n) throw new RangeError(`softmaxCrossEntropy: ${n} rows of logits, ${labels.length} labels`);
  const grad = logits.zerosLike();
  let sum = 0;
  for (let r = 0; r < n; r++) {
    const label = labels[r];
    if (!Number.isInteger(label) || label < 0 || label >= c) throw new RangeError(`softmaxCrossEntropy: label ${label} is not in [0, ${c})`);
    const o = r * c;
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, logits.data[o + k]);
    let z = 0;
    for (let k = 0; k < c; k++) z += Math.exp(logits.data[o + k] - max);
    const logZ = max + Math.log(z);
    sum += logZ - logits.data[o + label];
    for (let k = 0; k < c; k++) grad.data[o + k] = (Math.exp(logits.data[o + k] - logZ) - (k === label ? 1 : 0)) / n;
  }
  return { value: sum / n, grad };
}
