/**
 * L1Loss: ℓ = |x − y| per element, then reduced (gradient sign(x − y), 0 where x = y).
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape } from './shapes.js';

export function l1Loss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOptions = {}): Tensor {
  checkReduction(reduction);
  checkSameShape('L1Loss', input, target);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      values[i] = Math.abs(d);
      dInput[i] = Math.sign(d);
    }
  });
}

export class L1Loss extends ReducedLoss implements RegressionLoss {
  readonly type = 'L1Loss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = false;

  constructor({ reduction }: ReductionOptions = {}) {
    super(reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}
