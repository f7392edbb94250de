/**
 * RMSprop, after `torch.optim.RMSprop` (PyTorch 1.13): the gradient divided by a running RMS of
 * past gradients, optionally centered (the running mean subtracted), with momentum, L2 weight
 * decay and maximize.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export const RMSPROP_DEFAULTS: RMSpropOptions = {
  lr: 0.01,
  alpha: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  centered: false,
  maximize: false,
};

export type RMSpropState = {
  step: number;
  squareAvg: Float32Array;
  /** Present only when momentum > 0. */
  momentumBuffer?: Float32Array;
  /** Present only when centered. */
  gradAvg?: Float32Array;
};

export function initRMSpropState(size: number, o: RMSpropOptions): RMSpropState {
  const state: RMSpropState = { step: 0, squareAvg: new Float32Array(size) };
  if (o.momentum > 0) state.momentumBuffer = new Float32Array(size);
  if (o.centered) state.gradAvg = new Float32Array(size);
  return state;
}

export function rmspropIssues(o: RMSpropOptions): SpecIssue[] {
  return failed(
    checkLr(o.lr),
    checkEps(o.eps),
    checkNonNegative('momentum', o.momentum),
    checkNonNegative('weight_decay', o.weightDecay),
    checkNonNegative('alpha', o.alpha),
  );
}

/** One RMSprop update of `param` in place (PyTorch's `_single_tensor_rmsprop` for one parameter). */
export function rmspropStep(
  param: Float32Array,
  grad: Float32Array,
  state: RMSpropState,
  o: RMSpropOptions,
): void {
  const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = o;
  const { squareAvg } = state;
  const gradAvg = centered ? (state.gradAvg ??= new Float32Array(param.length)) : undefined;
  const buf = momentum > 0 ? (state.momentumBuffer ??= new Float32Array(param.length)) : undefined;
  state.step += 1;
  for (let i = 0; i < param.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    squareAvg[i] = alpha * squareAvg[i] + (1 - alpha) * g * g;
    let variance = squareAvg[i];
    if (gradAvg !== undefined) {
      gradAvg[i] = alpha * gradAvg[i] + (1 - alpha) * g;
      variance -= gradAvg[i] * gradAvg[i];
    }
    const avg = Math.sqrt(variance) + eps;
    if (buf !== undefined) {
      buf[i] = momentum * buf[i] + g / avg;
      param[i] = param[i] - lr * buf[i];
    } else {
      param[i] = param[i] - (lr * g) / avg;
    }
  }
}

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<RMSpropOptions>[],
    options: Partial<RMSpropOptions> = {},
  ) {
    super(params, withDefaults(RMSPROP_DEFAULTS, options));
  }

  protected validate(options: RMSpropOptions): void {
    throwIfAny(rmspropIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initRMSpropState(p.size, group));
      rmspropStep(p.data, grad, state, group);
    });
  }
}
