/**
 * KLDivLoss: the pointwise Kullback-Leibler divergence for log-probabilities x and target t:
 *   ℓ = t·(log t − x)               (log_target false; 0 where t = 0)
 *   ℓ = e^t·(t − x)                 (log_target true: t holds log-probabilities)
 * 'mean' averages over every element; 'batchmean' (the mathematically correct KL divergence)
 * divides the sum by the batch size, input.size(0).
 *
 * Shapes: input any shape, target the same shape; output a scalar, or the input's shape for 'none'.
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, elementwiseLoss, REDUCTIONS } from './reduction.js';
import { checkSameShape } from './shapes.js';

const NAME = 'KLDivLoss';

export const KL_DIV_REDUCTIONS = [...REDUCTIONS, 'batchmean'] as const;
export type KLDivReduction = (typeof KL_DIV_REDUCTIONS)[number];

export interface KLDivLossOptions {
  /** 'none' | 'mean' | 'sum' | 'batchmean' (default 'mean'). */
  reduction?: KLDivReduction;
  /** Whether the target holds log-probabilities (default false). */
  logTarget?: boolean;
}

export function klDiv(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', logTarget = false }: KLDivLossOptions = {},
): Tensor {
  checkReduction(reduction, KL_DIV_REDUCTIONS);
  checkSameShape(NAME, input, target);
  const x = input.data;
  const t = target.data;
  const batchmean = reduction === 'batchmean';
  // batchmean = sum / input.size(0), folded into each element (a 0-d input divides by 1).
  const scale = batchmean && input.ndim > 0 ? 1 / input.shape[0] : 1;
  return elementwiseLoss(input, batchmean ? 'sum' : reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      if (logTarget) {
        const p = Math.exp(t[i]);
        values[i] = scale * p * (t[i] - x[i]);
        dInput[i] = -scale * p;
      } else {
        values[i] = t[i] === 0 ? 0 : scale * t[i] * (Math.log(t[i]) - x[i]);
        dInput[i] = -scale * t[i];
      }
    }
  });
}

export class KLDivLoss extends ReducedLoss<KLDivReduction> implements RegressionLoss {
  readonly type = 'KLDivLoss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly logTarget: boolean;

  constructor({ reduction, logTarget = false }: KLDivLossOptions = {}) {
    super(reduction, KL_DIV_REDUCTIONS);
    this.logTarget = logTarget;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
