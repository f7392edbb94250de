/**
 * Adam, after `torch.optim.Adam` (PyTorch 1.13): bias-corrected first and second moments, L2
 * weight decay added to the gradient, optional AMSGrad and maximize.
 */
import type { SpecIssue } from '../errors.js';
import { adamUpdate } from '../kernels/adam-update.js';
import type { Tensor } from '../tensor.js';
import { checkBetas, checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export const ADAM_DEFAULTS: AdamOptions = {
  lr: 0.001,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  amsgrad: false,
  maximize: false,
};

export type AdamState = {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  /** Present only when the parameter's group has `amsgrad`. */
  maxExpAvgSq?: Float32Array;
};

export function initAdamState(size: number, amsgrad: boolean): AdamState {
  const state: AdamState = { step: 0, expAvg: new Float32Array(size), expAvgSq: new Float32Array(size) };
  if (amsgrad) state.maxExpAvgSq = new Float32Array(size);
  return state;
}

/** Checks shared by Adam and AdamW. */
export function adamIssues(o: AdamOptions): SpecIssue[] {
  return [
    ...failed(checkLr(o.lr), checkEps(o.eps)),
    ...checkBetas(o.betas),
    ...failed(checkNonNegative('weight_decay', o.weightDecay)),
  ];
}

/** One Adam update of `param` in place (PyTorch's `_single_tensor_adam` for one parameter). */
export function adamStep(param: Float32Array, grad: Float32Array, state: AdamState, o: AdamOptions): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = o;
  const [beta1, beta2] = o.betas;
  const { expAvg, expAvgSq } = state;
  const maxExpAvgSq = amsgrad ? (state.maxExpAvgSq ??= new Float32Array(param.length)) : undefined;
  state.step += 1;
  const stepSize = lr / (1 - beta1 ** state.step);
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step);
  if (!maximize && weightDecay === 0 && maxExpAvgSq === undefined) {
    // The common case: a float32 SIMD kernel (the general loop below computes in float64).
    adamUpdate(param, grad, expAvg, expAvgSq, { beta1, beta2, stepSize, biasCorrection2Sqrt, eps });
    return;
  }
  for (let i = 0; i < param.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
    expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
    let v = expAvgSq[i];
    if (maxExpAvgSq !== undefined) v = maxExpAvgSq[i] = Math.max(maxExpAvgSq[i], v);
    const denom = Math.sqrt(v) / biasCorrection2Sqrt + eps;
    param[i] = param[i] - (stepSize * expAvg[i]) / denom;
  }
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<AdamOptions>[],
    options: Partial<AdamOptions> = {},
  ) {
    super(params, withDefaults(ADAM_DEFAULTS, options));
  }

  protected validate(options: AdamOptions): void {
    throwIfAny(adamIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initAdamState(p.size, group.amsgrad));
      adamStep(p.data, grad, state, group);
    });
  }
}
