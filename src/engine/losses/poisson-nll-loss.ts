/**
 * PoissonNLLLoss: the negative log-likelihood of counts y under a Poisson distribution:
 *   ℓ = e^x − y·x                   (log_input true: x is the log-rate)
 *   ℓ = x − y·log(x + eps)          (log_input false: x is the rate)
 * With full, Stirling's approximation of log(y!) is added where y > 1:
 *   y·log y − y + 0.5·log(2π·y).
 *
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 */
import { SpecError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape } from './shapes.js';

const NAME = 'PoissonNLLLoss';

export interface PoissonNLLLossOptions extends ReductionOptions {
  /** Whether the input is the log of the rate (default true). */
  logInput?: boolean;
  /** Add the Stirling approximation term (default false). */
  full?: boolean;
  /** Avoids log(0) when logInput is false (default 1e-8). */
  eps?: number;
}

function checkEps(eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps)) {
    throw new SpecError([{ path: ['eps'], message: `eps must be a non-negative number, got ${eps}` }]);
  }
}

export function poissonNllLoss(
  input: Tensor,
  target: Tensor,
  { logInput = true, full = false, eps = 1e-8, reduction = 'mean' }: PoissonNLLLossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkEps(eps);
  checkSameShape(NAME, input, target);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      if (logInput) {
        const rate = Math.exp(x[i]);
        values[i] = rate - y[i] * x[i];
        dInput[i] = rate - y[i];
      } else {
        values[i] = x[i] - y[i] * Math.log(x[i] + eps);
        dInput[i] = 1 - y[i] / (x[i] + eps);
      }
      if (full && y[i] > 1) values[i] += y[i] * Math.log(y[i]) - y[i] + 0.5 * Math.log(2 * Math.PI * y[i]);
    }
  });
}

export class PoissonNLLLoss extends ReducedLoss implements RegressionLoss {
  readonly type = 'PoissonNLLLoss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;

  constructor({ logInput = true, full = false, eps = 1e-8, reduction }: PoissonNLLLossOptions = {}) {
    super(reduction);
    checkEps(eps);
    this.logInput = logInput;
    this.full = full;
    this.eps = eps;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return poissonNllLoss(input, target, {
      logInput: this.logInput,
      full: this.full,
      eps: this.eps,
      reduction: this.reduction,
    });
  }
}
