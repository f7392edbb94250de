/**
 * GaussianNLLLoss: the negative log-likelihood of targets y under N(x, var):
 *   ℓ = 0.5·(log v + (x − y)²/v),   v = max(var, eps),   plus 0.5·log(2π) with full.
 * As in PyTorch the clamp is applied without autograd, so the gradient with respect to var is
 * 0.5·(1/v − (x − y)²/v²) even where var < eps. Differentiable in input and var.
 *
 * Shapes: input (N, *) or (*), target the same shape; var the input's shape, the input's shape
 * with a last dimension of 1, or the input's shape without its last dimension (one variance per
 * row, homoscedastic across the last dimension). Output a scalar, or the input's shape for 'none'.
 */
import { SpecError } from '../errors.js';
import { shapeToString, type Tensor } from '../tensor.js';
import { ReducedLoss, type RegressionLoss } from './loss.js';
import { checkReduction, type ReductionOptions, reduceLoss } from './reduction.js';
import { checkSameShape, sameShape } from './shapes.js';

const NAME = 'GaussianNLLLoss';
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export interface GaussianNLLLossOptions extends ReductionOptions {
  /** Add the constant 0.5·log(2π) (default false). */
  full?: boolean;
  /** The floor var is clamped to, for stability (default 1e-6). */
  eps?: number;
}

function checkEps(eps: number): void {
  if (!(eps > 0) || !Number.isFinite(eps)) {
    throw new SpecError([{ path: ['eps'], message: `eps must be a positive number, got ${eps}` }]);
  }
}

/** Maps each input element to its variance: the same index, or one variance per last-dim row. */
function varianceIndexer(input: Tensor, variance: Tensor): (i: number) => number {
  if (sameShape(input.shape, variance.shape)) return (i) => i;
  const rows = input.shape.slice(0, -1);
  const perRow =
    sameShape(rows, variance.shape) ||
    (variance.ndim > 0 &&
      variance.shape[variance.ndim - 1] === 1 &&
      sameShape(rows, variance.shape.slice(0, -1)));
  if (!perRow || input.ndim === 0) {
    throw new RangeError(
      `${NAME}: var is of incorrect size: ${shapeToString(variance.shape)} for input of shape ${shapeToString(input.shape)}`,
    );
  }
  const last = input.shape[input.ndim - 1];
  return (i) => Math.floor(i / last);
}

export function gaussianNllLoss(
  input: Tensor,
  target: Tensor,
  variance: Tensor,
  { full = false, eps = 1e-6, reduction = 'mean' }: GaussianNLLLossOptions = {},
): Tensor {
  checkReduction(reduction);
  checkEps(eps);
  checkSameShape(NAME, input, target);
  const varIndex = varianceIndexer(input, variance);
  const x = input.data;
  const y = target.data;
  const v = variance.data;
  for (let k = 0; k < v.length; k++) {
    if (v[k] < 0) throw new RangeError(`${NAME}: var has negative entry/entries`);
  }
  const values = new Float64Array(x.length);
  const dInput = new Float64Array(x.length);
  const dVar = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const vi = Math.max(v[varIndex(i)], eps);
    const d = x[i] - y[i];
    values[i] = 0.5 * (Math.log(vi) + (d * d) / vi) + (full ? HALF_LOG_2PI : 0);
    dInput[i] = d / vi;
    dVar[i] = 0.5 * (1 / vi - (d * d) / (vi * vi));
  }
  return reduceLoss(values, input.shape, reduction, [input, variance], (dv) => {
    const gradInput = new Float32Array(x.length);
    const gradVar = new Float64Array(v.length); // summed over the broadcast last dimension
    for (let i = 0; i < x.length; i++) {
      gradInput[i] = dv[i] * dInput[i];
      gradVar[varIndex(i)] += dv[i] * dVar[i];
    }
    return [gradInput, Float32Array.from(gradVar)];
  });
}

export class GaussianNLLLoss extends ReducedLoss implements RegressionLoss {
  readonly type = 'GaussianNLLLoss';
  readonly task = 'regression';
  readonly targetKind = 'float';
  readonly needsVar = true;
  readonly full: boolean;
  readonly eps: number;

  constructor({ full = false, eps = 1e-6, reduction }: GaussianNLLLossOptions = {}) {
    super(reduction);
    checkEps(eps);
    this.full = full;
    this.eps = eps;
  }

  forward(input: Tensor, target: Tensor, variance?: Tensor): Tensor {
    if (variance === undefined) throw new TypeError(`${NAME}: forward needs var, the variance tensor`);
    return gaussianNllLoss(input, target, variance, {
      full: this.full,
      eps: this.eps,
      reduction: this.reduction,
    });
  }
}
