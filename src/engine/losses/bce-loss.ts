/**
 * BCELoss: ℓ = −w·(y·log x + (1 − y)·log(1 − x)) for probabilities x in [0, 1], with each log
 * clamped at −100 as PyTorch does (so x = 0 or 1 gives a finite loss). The gradient is PyTorch's,
 * w·(x − y) / max(x·(1 − x), 1e-12).
 *
 * Shapes: input any shape, target the same shape, weight broadcastable to it; output a scalar,
 * or the input's shape for 'none'.
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type ThresholdLoss } from './loss.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape, expandTo } from './shapes.js';

const NAME = 'BCELoss';
const EPSILON = 1e-12;

export interface BCELossOptions extends ReductionOptions {
  /** A rescaling weight broadcast over the input (e.g. one per class, shape (C)). */
  weight?: Tensor | null;
}

export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  { weight = null, reduction = 'mean' }: BCELossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkSameShape(NAME, input, target);
  const w = weight === null ? null : expandTo(NAME, 'weight', weight, input.shape);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      if (!(x[i] >= 0 && x[i] <= 1))
        throw new RangeError(`${NAME}: all elements of input should be between 0 and 1`);
      const wi = w === null ? 1 : w[i];
      const logX = Math.max(Math.log(x[i]), -100);
      const log1mX = Math.max(Math.log1p(-x[i]), -100);
      values[i] = -wi * (y[i] * logX + (1 - y[i]) * log1mX);
      dInput[i] = (wi * (x[i] - y[i])) / Math.max(x[i] * (1 - x[i]), EPSILON);
    }
  });
}

export class BCELoss extends ReducedLoss implements ThresholdLoss {
  readonly type = 'BCELoss';
  readonly task = 'binary';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly outputThreshold = 0.5;
  readonly targetThreshold = 0.5;
  readonly weight: Tensor | null;

  constructor({ weight = null, reduction }: BCELossOptions = {}) {
    super(reduction);
    this.weight = weight;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}
