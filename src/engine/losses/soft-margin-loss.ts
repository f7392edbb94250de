/**
 * SoftMarginLoss: the two-class logistic loss ℓ = log(1 + e^(−y·x)) for targets y = ±1,
 * computed as softplus(−y·x) so that large margins neither overflow nor lose precision.
 *
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type ThresholdLoss } from './loss.js';
import { sigmoid, softplus } from './numerics.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape } from './shapes.js';

export function softMarginLoss(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean' }: ReductionOptions = {},
): Tensor {
  checkReduction(reduction);
  checkSameShape('SoftMarginLoss', input, target);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      const z = -y[i] * x[i];
      values[i] = softplus(z);
      dInput[i] = -y[i] * sigmoid(z);
    }
  });
}

export class SoftMarginLoss extends ReducedLoss implements ThresholdLoss {
  readonly type = 'SoftMarginLoss';
  readonly task = 'binary';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly outputThreshold = 0;
  readonly targetThreshold = 0;

  constructor({ reduction }: ReductionOptions = {}) {
    super(reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return softMarginLoss(input, target, { reduction: this.reduction });
  }
}
