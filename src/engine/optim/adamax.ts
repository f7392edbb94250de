/**
 * Adamax, after `torch.optim.Adamax` (PyTorch 1.13): Adam with the second moment replaced by an
 * exponentially weighted infinity norm of the gradients.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBetas, checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface AdamaxOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export const ADAMAX_DEFAULTS: AdamaxOptions = {
  lr: 0.002,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  maximize: false,
};

export type AdamaxState = { step: number; expAvg: Float32Array; expInf: Float32Array };

export function initAdamaxState(size: number): AdamaxState {
  return { step: 0, expAvg: new Float32Array(size), expInf: new Float32Array(size) };
}

export function adamaxIssues(o: AdamaxOptions): SpecIssue[] {
  return [
    ...failed(checkLr(o.lr), checkEps(o.eps)),
    ...checkBetas(o.betas),
    ...failed(checkNonNegative('weight_decay', o.weightDecay)),
  ];
}

/** One Adamax update of `param` in place (PyTorch's `_single_tensor_adamax` for one parameter). */
export function adamaxStep(
  param: Float32Array,
  grad: Float32Array,
  state: AdamaxState,
  o: AdamaxOptions,
): void {
  const { eps, weightDecay, maximize } = o;
  const [beta1, beta2] = o.betas;
  const { expAvg, expInf } = state;
  state.step += 1;
  const clr = o.lr / (1 - beta1 ** state.step);
  for (let i = 0; i < param.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
    // PyTorch adds eps to |g| before taking the max, so expInf never reaches 0.
    expInf[i] = Math.max(beta2 * expInf[i], Math.abs(g) + eps);
    param[i] = param[i] - (clr * expAvg[i]) / expInf[i];
  }
}

export class Adamax extends Optimizer<AdamaxOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<AdamaxOptions>[],
    options: Partial<AdamaxOptions> = {},
  ) {
    super(params, withDefaults(ADAMAX_DEFAULTS, options));
  }

  protected validate(options: AdamaxOptions): void {
    throwIfAny(adamaxIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initAdamaxState(p.size));
      adamaxStep(p.data, grad, state, group);
    });
  }
}
