/**
 * NLLLoss: ℓ = −w_y·x_y for log-probabilities x (a log_softmax output) and class index y, 0 where
 * y = ignore_index. 'mean' divides the sum by Σ w_y over the targets not ignored.
 *
 * Shapes: input (C), (N, C) or (N, C, d1, …, dk); target the input's shape without C (class
 * indices stored as floats); output a scalar, or the target's shape for 'none'.
 */
import type { Tensor } from '../tensor.js';
import { checkIgnoreIndex, classIndex, classLayout, classWeights } from './class-targets.js';
import { type MulticlassLoss, ReducedLoss } from './loss.js';
import { checkReduction, type ReductionOptions, reduceLoss } from './reduction.js';

const NAME = 'NLLLoss';

export interface NLLLossOptions extends ReductionOptions {
  /** A rescaling weight per class, shape (C). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
}

export function nllLoss(
  input: Tensor,
  target: Tensor,
  { weight = null, ignoreIndex = -100, reduction = 'mean' }: NLLLossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkIgnoreIndex(ignoreIndex);
  const { outer, classes, inner, positionShape } = classLayout(NAME, input, target, false);
  const w = classWeights(NAME, weight, classes);
  const positions = outer * inner;
  const picked = new Int32Array(positions).fill(-1); // flat input index of each target, -1 if ignored
  const pickedWeight = new Float64Array(positions);
  const values = new Float64Array(positions);
  let weightSum = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const p = o * inner + j;
      const y = classIndex(NAME, target.data[p], classes, ignoreIndex);
      if (y < 0) continue;
      picked[p] = (o * classes + y) * inner + j;
      pickedWeight[p] = w[y];
      values[p] = -w[y] * input.data[picked[p]];
      weightSum += w[y];
    }
  }
  return reduceLoss(
    values,
    positionShape,
    reduction,
    [input],
    (dv) => {
      const grad = new Float32Array(input.size);
      for (let p = 0; p < positions; p++) {
        if (picked[p] >= 0) grad[picked[p]] = -dv[p] * pickedWeight[p];
      }
      return [grad];
    },
    { divisor: weightSum },
  );
}

export class NLLLoss extends ReducedLoss implements MulticlassLoss {
  readonly type = 'NLLLoss';
  readonly task = 'multiclass';
  readonly targetKind = 'class_index';
  readonly needsVar = false;
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor({ weight = null, ignoreIndex = -100, reduction }: NLLLossOptions = {}) {
    super(reduction);
    checkIgnoreIndex(ignoreIndex);
    this.weight = weight;
    this.ignoreIndex = ignoreIndex;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}
