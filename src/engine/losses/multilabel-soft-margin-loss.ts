/**
 * MultiLabelSoftMarginLoss: a one-vs-all logistic loss averaged over the C classes of a sample:
 *   ℓ_n = −(1/C)·Σ_c w_c·(y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c))
 * for targets y in {0, 1}; dℓ_n/dx_c = w_c·(σ(x_c) − y_c)/C.
 *
 * Shapes: input (N, C) (or (C)), target the same shape, weight (C); output a scalar, or (N) for
 * 'none' (one value per sample).
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type ThresholdLoss } from './loss.js';
import { sigmoid, softplus } from './numerics.js';
import { checkReduction, type ReductionOptions, reduceLoss } from './reduction.js';
import { checkSameShape, expandTo } from './shapes.js';

const NAME = 'MultiLabelSoftMarginLoss';

export interface MultiLabelSoftMarginLossOptions extends ReductionOptions {
  /** A rescaling weight per class, broadcast over the input. */
  weight?: Tensor | null;
}

export function multilabelSoftMarginLoss(
  input: Tensor,
  target: Tensor,
  { weight = null, reduction = 'mean' }: MultiLabelSoftMarginLossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkSameShape(NAME, input, target);
  if (input.ndim === 0)
    throw new RangeError(`${NAME}: input must have at least 1 dimension, got a 0-d tensor`);
  const w = weight === null ? null : expandTo(NAME, 'weight', weight, input.shape);
  const classes = input.shape[input.ndim - 1];
  const samples = input.size / Math.max(classes, 1);
  const x = input.data;
  const y = target.data;
  const values = new Float64Array(samples);
  const dInput = new Float64Array(input.size);
  for (let n = 0; n < samples; n++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const i = n * classes + c;
      const wi = w === null ? 1 : w[i];
      // −log σ(x) = softplus(−x) and −log σ(−x) = softplus(x).
      sum += wi * (y[i] * softplus(-x[i]) + (1 - y[i]) * softplus(x[i]));
      dInput[i] = (wi * (sigmoid(x[i]) - y[i])) / classes;
    }
    values[n] = sum / classes;
  }
  return reduceLoss(values, input.shape.slice(0, -1), reduction, [input], (dv) => {
    const grad = new Float32Array(input.size);
    for (let i = 0; i < grad.length; i++) grad[i] = dv[Math.floor(i / classes)] * dInput[i];
    return [grad];
  });
}

export class MultiLabelSoftMarginLoss extends ReducedLoss implements ThresholdLoss {
  readonly type = 'MultiLabelSoftMarginLoss';
  readonly task = 'multilabel';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly outputThreshold = 0;
  readonly targetThreshold = 0.5;
  readonly weight: Tensor | null;

  constructor({ weight = null, reduction }: MultiLabelSoftMarginLossOptions = {}) {
    super(reduction);
    this.weight = weight;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}
