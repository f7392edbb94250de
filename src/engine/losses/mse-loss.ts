/**
 * MSELoss: ℓ = (x − y)² per element, then reduced.
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 * Example: mseLoss(tensor([1, 2]), tensor([0, 4])) → 2.5.
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape } from './shapes.js';

export function mseLoss(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean' }: ReductionOptions = {},
): Tensor {
  checkReduction(reduction);
  checkSameShape('MSELoss', input, target);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      values[i] = d * d;
      dInput[i] = 2 * d;
    }
  });
}

export class MSELoss extends ReducedLoss implements RegressionLoss {
  readonly type = 'MSELoss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = false;

  constructor({ reduction }: ReductionOptions = {}) {
    super(reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}
