/**
 * AdamW, after `torch.optim.AdamW` (PyTorch 1.13): Adam with decoupled weight decay, which
 * shrinks the parameter by `lr * weight_decay` instead of adding to the gradient. Its
 * weight_decay defaults to 0.01, not 0.
 */
import type { Tensor } from '../tensor.js';
import { type AdamOptions, type AdamState, adamIssues, adamStep, initAdamState } from './adam.js';
import { throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export type AdamWOptions = AdamOptions;

export const ADAMW_DEFAULTS: AdamWOptions = {
  lr: 0.001,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0.01,
  amsgrad: false,
  maximize: false,
};

/** One AdamW update of `param` in place (PyTorch's `_single_tensor_adamw` for one parameter). */
export function adamwStep(param: Float32Array, grad: Float32Array, state: AdamState, o: AdamWOptions): void {
  const decay = 1 - o.lr * o.weightDecay;
  for (let i = 0; i < param.length; i++) param[i] *= decay;
  // The rest is Adam without the L2 term.
  adamStep(param, grad, state, { ...o, weightDecay: 0 });
}

export class AdamW extends Optimizer<AdamWOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<AdamWOptions>[],
    options: Partial<AdamWOptions> = {},
  ) {
    super(params, withDefaults(ADAMW_DEFAULTS, options));
  }

  protected validate(options: AdamWOptions): void {
    throwIfAny(adamIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initAdamState(p.size, group.amsgrad));
      adamwStep(p.data, grad, state, group);
    });
  }
}
