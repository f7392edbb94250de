/**
 * SmoothL1Loss: with d = x − y, ℓ = 0.5·d²/β where |d| < β, else |d| − 0.5·β; β = 0 is L1Loss.
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 */
import { SpecError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape } from './shapes.js';

export interface SmoothL1LossOptions extends ReductionOptions {
  /** The threshold between the quadratic and linear parts (default 1.0, must be ≥ 0). */
  beta?: number;
}

function checkBeta(beta: number): void {
  if (!(beta >= 0) || !Number.isFinite(beta)) {
    throw new SpecError([
      { path: ['beta'], message: 'smooth_l1_loss does not support negative values for beta.' },
    ]);
  }
}

export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', beta = 1.0 }: SmoothL1LossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkBeta(beta);
  checkSameShape('SmoothL1Loss', input, target);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      const a = Math.abs(d);
      if (a < beta) {
        values[i] = (0.5 * d * d) / beta;
        dInput[i] = d / beta;
      } else {
        values[i] = a - 0.5 * beta;
        dInput[i] = Math.sign(d);
      }
    }
  });
}

export class SmoothL1Loss extends ReducedLoss implements RegressionLoss {
  readonly type = 'SmoothL1Loss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly beta: number;

  constructor({ reduction, beta = 1.0 }: SmoothL1LossOptions = {}) {
    super(reduction);
    checkBeta(beta);
    this.beta = beta;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}
