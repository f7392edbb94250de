/**
 * BCEWithLogitsLoss: sigmoid and BCELoss in one stable step. With logits x, targets y, weight w
 * and pos_weight p (per class, along the last dimension):
 *   ℓ = w·((1 − y)·x + (1 + (p − 1)·y)·softplus(−x)),   softplus(z) = log(1 + e^z),
 * which equals −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))) but stays finite and exact for any |x|.
 * dℓ/dx = w·((1 − y) − (1 + (p − 1)·y)·σ(−x)).
 *
 * Shapes: input any shape, target the same shape, weight and pos_weight broadcastable to it;
 * output a scalar, or the input's shape for 'none'.
 */
import type { Tensor } from '../tensor.js';
import { ReducedLoss, type ThresholdLoss } from './loss.js';
import { sigmoid, softplus } from './numerics.js';
import { checkReduction, elementwiseLoss, type ReductionOptions } from './reduction.js';
import { checkSameShape, expandTo } from './shapes.js';

const NAME = 'BCEWithLogitsLoss';

export interface BCEWithLogitsLossOptions extends ReductionOptions {
  /** A rescaling weight broadcast over the input. */
  weight?: Tensor | null;
  /** The weight of positive examples, one per class (the input's last dimension). */
  posWeight?: Tensor | null;
}

export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  { weight = null, posWeight = null, reduction = 'mean' }: BCEWithLogitsLossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkSameShape(NAME, input, target);
  const w = weight === null ? null : expandTo(NAME, 'weight', weight, input.shape);
  const pw = posWeight === null ? null : expandTo(NAME, 'pos_weight', posWeight, input.shape);
  const x = input.data;
  const y = target.data;
  return elementwiseLoss(input, reduction, (values, dInput) => {
    for (let i = 0; i < x.length; i++) {
      const wi = w === null ? 1 : w[i];
      const logWeight = pw === null ? 1 : 1 + (pw[i] - 1) * y[i];
      values[i] = wi * ((1 - y[i]) * x[i] + logWeight * softplus(-x[i]));
      dInput[i] = wi * (1 - y[i] - logWeight * sigmoid(-x[i]));
    }
  });
}

export class BCEWithLogitsLoss extends ReducedLoss implements ThresholdLoss {
  readonly type = 'BCEWithLogitsLoss';
  readonly task = 'binary';
  readonly targetKind = 'float';
  readonly needsVar = false;
  readonly outputThreshold = 0;
  readonly targetThreshold = 0.5;
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;

  constructor({ weight = null, posWeight = null, reduction }: BCEWithLogitsLossOptions = {}) {
    super(reduction);
    this.weight = weight;
    this.posWeight = posWeight;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
}
