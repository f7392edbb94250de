/**
 * CrossEntropyLoss: log-softmax over the classes, then the negative log-likelihood of the target.
 *
 * With class indices y (and class weights w, label smoothing ε over C classes):
 *   ℓ = (1 − ε)·(−w_y·log p_y) + (ε/C)·(−Σ_c w_c·log p_c), and 0 where y = ignore_index.
 *   'mean' divides the first term by Σ w_y over the targets not ignored; the smoothing term by the
 *   same sum with a weight, else by the number of positions (ignored ones included), as PyTorch.
 * With class probabilities t (the target has the input's shape), t' = (1 − ε)·t + ε/C:
 *   ℓ = −Σ_c w_c·t'_c·log p_c; 'mean' divides by the number of positions, even with a weight.
 *
 * Shapes: input (C), (N, C) or (N, C, d1, …, dk) logits; target the input's shape without C
 * (class indices stored as floats) or the input's shape (probabilities); output a scalar, or the
 * target's positions for 'none'. Example: crossEntropy(logits (2, 3), tensor([0, 2])).
 */
import { SpecError } from '../errors.js';
import { gradBuffer, savedBuffer64 } from '../grad-buffer.js';
import { stridedLogSumExp } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import {
  type ClassLayout,
  checkIgnoreIndex,
  classIndex,
  classLayout,
  classWeights,
} from './class-targets.js';
import { type MulticlassLoss, ReducedLoss } from './loss.js';
import { checkReduction, type Reduction, type ReductionOptions, reduceLoss } from './reduction.js';

const NAME = 'CrossEntropyLoss';

export interface CrossEntropyOptions extends ReductionOptions {
  /** A rescaling weight per class, shape (C). */
  weight?: Tensor | null;
  /** Class-index targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  /** ε in [0, 1]: mixes the target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

function checkLabelSmoothing(value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new SpecError([
      { path: ['label_smoothing'], message: `label_smoothing must be between 0.0 and 1.0. Got: ${value}` },
    ]);
  }
}

/** log-softmax over the class dimension in doubles, with the max subtracted for stability. */
function logSoftmax(x: Float32Array, { outer, classes, inner }: ClassLayout): Float64Array {
  const out = savedBuffer64(x.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * classes * inner + j;
      const lse = stridedLogSumExp(x, base, classes, inner);
      for (let c = 0; c < classes; c++) out[base + c * inner] = x[base + c * inner] - lse;
    }
  }
  return out;
}

export function crossEntropy(
  input: Tensor,
  target: Tensor,
  { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 }: CrossEntropyOptions = {},
): Tensor {
  checkReduction(reduction);
  checkIgnoreIndex(ignoreIndex);
  checkLabelSmoothing(labelSmoothing);
  const layout = classLayout(NAME, input, target, true);
  const w = classWeights(NAME, weight, layout.classes);
  const logp = logSoftmax(input.data, layout);
  if (layout.probabilities) {
    if (ignoreIndex >= 0)
      throw new RangeError(`${NAME}: ignore_index is not supported for floating point target`);
    return probabilityTargets({ input, target, layout, w, logp, reduction, eps: labelSmoothing });
  }
  const weighted = weight !== null && weight !== undefined;
  return indexTargets(
    { input, target, layout, w, logp, reduction, eps: labelSmoothing },
    weighted,
    ignoreIndex,
  );
}

/** What both target kinds work from, prepared once by `crossEntropy`. */
interface Prepared {
  input: Tensor;
  target: Tensor;
  layout: ClassLayout;
  /** Class weights (ones without a weight). */
  w: Float64Array;
  /** log-softmax of the input, laid out like it. */
  logp: Float64Array;
  reduction: Reduction;
  /** Label smoothing. */
  eps: number;
}

const NO_SMOOTHING = new Float64Array(0);

function indexTargets(
  { input, target, layout, w, logp, reduction, eps }: Prepared,
  weighted: boolean,
  ignoreIndex: number,
): Tensor {
  const { outer, classes, inner } = layout;
  const positions = outer * inner;
  const labels = savedBuffer64(positions); // class indices, -1 where ignored
  const nll = savedBuffer64(positions);
  const smooth = eps > 0 ? savedBuffer64(positions) : NO_SMOOTHING; // only read when eps > 0
  let weightSum = 0;
  let allWeights = 0;
  for (let c = 0; c < classes; c++) allWeights += w[c];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const p = o * inner + j;
      const base = o * classes * inner + j;
      const y = classIndex(NAME, target.data[p], classes, ignoreIndex);
      labels[p] = y;
      if (y < 0) continue;
      nll[p] = -w[y] * logp[base + y * inner];
      weightSum += w[y];
      if (eps > 0) {
        let s = 0;
        for (let c = 0; c < classes; c++) s += w[c] * logp[base + c * inner];
        smooth[p] = -s;
      }
    }
  }
  // Fold 'mean' into per-position coefficients: the two terms have different divisors.
  const mean = reduction === 'mean';
  const smoothDivisor = weighted ? weightSum : positions;
  const c1 = (1 - eps) / (mean ? weightSum : 1);
  const c2 = eps / classes / (mean ? smoothDivisor : 1);
  const values = nll; // each position's loss replaces its nll in place
  for (let p = 0; p < positions; p++)
    values[p] = labels[p] < 0 ? 0 : c1 * nll[p] + (eps > 0 ? c2 * smooth[p] : 0);
  if (mean && weightSum === 0) values.fill(Number.NaN); // PyTorch: 0/0 when every target is ignored.

  const saved = [logp, labels, nll, ...(eps > 0 ? [smooth] : [])];
  return reduceLoss(
    values,
    layout.positionShape,
    mean ? 'sum' : reduction,
    [input],
    (dv) => {
      const grad = gradBuffer(input.size);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const p = o * inner + j;
          const y = labels[p];
          if (y < 0) continue;
          const base = o * classes * inner + j;
          const a = dv[p] * c1 * w[y];
          const b = eps > 0 ? dv[p] * c2 : 0;
          for (let c = 0; c < classes; c++) {
            const i = base + c * inner;
            const prob = Math.exp(logp[i]);
            grad[i] = a * (prob - (c === y ? 1 : 0)) + b * (allWeights * prob - w[c]);
          }
        }
      }
      return [grad];
    },
    { saved },
  );
}

function probabilityTargets({ input, target, layout, w, logp, reduction, eps }: Prepared): Tensor {
  const { outer, classes, inner } = layout;
  const positions = outer * inner;
  const t = target.data;
  const values = savedBuffer64(positions);
  const targetMass = savedBuffer64(positions); // Σ_c w_c·t'_c, for the gradient
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const p = o * inner + j;
      const base = o * classes * inner + j;
      let loss = 0;
      let mass = 0;
      for (let c = 0; c < classes; c++) {
        const i = base + c * inner;
        const wt = w[c] * ((1 - eps) * t[i] + eps / classes);
        loss -= wt * logp[i];
        mass += wt;
      }
      values[p] = loss;
      targetMass[p] = mass;
    }
  }
  return reduceLoss(
    values,
    layout.positionShape,
    reduction,
    [input],
    (dv) => {
      const grad = gradBuffer(input.size);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const p = o * inner + j;
          const base = o * classes * inner + j;
          for (let c = 0; c < classes; c++) {
            const i = base + c * inner;
            const wt = w[c] * ((1 - eps) * t[i] + eps / classes);
            grad[i] = dv[p] * (targetMass[p] * Math.exp(logp[i]) - wt);
          }
        }
      }
      return [grad];
    },
    { saved: [logp, values, targetMass] },
  );
}

export class CrossEntropyLoss extends ReducedLoss implements MulticlassLoss {
  readonly type = 'CrossEntropyLoss';
  readonly task = 'multiclass';
  readonly targetKind = 'class_index_or_probabilities';
  readonly needsVar = false;
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor({
    weight = null,
    ignoreIndex = -100,
    reduction,
    labelSmoothing = 0,
  }: CrossEntropyOptions = {}) {
    super(reduction);
    checkIgnoreIndex(ignoreIndex);
    checkLabelSmoothing(labelSmoothing);
    this.weight = weight;
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}
