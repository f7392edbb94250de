/**
 * HuberLoss: with d = x − y, ℓ = 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ). Equals
 * δ·SmoothL1Loss(β = δ); the gradient is d clamped to [−δ, δ].
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 */
import { SpecError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape } from './shapes.js';

export interface HuberLossOptions extends ReductionOptions {
  /** The threshold between the quadratic and linear parts (default 1.0, must be > 0). */
  delta?: number;
}

function checkDelta(delta: number): void {
  if (!(delta > 0) || !Number.isFinite(delta)) {
    throw new SpecError([
      { path: ['delta'], message: 'huber_loss does not support non-positive values for delta.' },
    ]);
  }
}

export function huberLoss(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', delta = 1.0 }: HuberLossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkDelta(delta);
  checkSameShape('HuberLoss', input, target);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      const a = Math.abs(d);
      if (a < delta) {
        values[i] = 0.5 * d * d;
        dInput[i] = d;
      } else {
        values[i] = delta * (a - 0.5 * delta);
        dInput[i] = delta * Math.sign(d);
      }
    }
  });
}

export class HuberLoss extends ReducedLoss implements RegressionLoss {
  readonly type = 'HuberLoss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly delta: number;

  constructor({ reduction, delta = 1.0 }: HuberLossOptions = {}) {
    super(reduction);
    checkDelta(delta);
    this.delta = delta;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}
