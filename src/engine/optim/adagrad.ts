/**
 * Adagrad, after `torch.optim.Adagrad` (PyTorch 1.13): per-element learning rates from the running
 * sum of squared gradients, with lr decay by step count, L2 weight decay and maximize.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export const ADAGRAD_DEFAULTS: AdagradOptions = {
  lr: 0.01,
  lrDecay: 0,
  weightDecay: 0,
  initialAccumulatorValue: 0,
  eps: 1e-10,
  maximize: false,
};

export type AdagradState = { step: number; sum: Float32Array };

export function initAdagradState(size: number, initialAccumulatorValue: number): AdagradState {
  return { step: 0, sum: new Float32Array(size).fill(initialAccumulatorValue) };
}

export function adagradIssues(o: AdagradOptions): SpecIssue[] {
  return failed(
    checkLr(o.lr),
    checkNonNegative('lr_decay', o.lrDecay),
    checkNonNegative('weight_decay', o.weightDecay),
    checkNonNegative('initial_accumulator_value', o.initialAccumulatorValue),
    checkEps(o.eps),
  );
}

/** One Adagrad update of `param` in place (PyTorch's `_single_tensor_adagrad` for one parameter). */
export function adagradStep(
  param: Float32Array,
  grad: Float32Array,
  state: AdagradState,
  o: AdagradOptions,
): void {
  const { weightDecay, eps, maximize } = o;
  const { sum } = state;
  state.step += 1;
  const clr = o.lr / (1 + (state.step - 1) * o.lrDecay);
  for (let i = 0; i < param.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    sum[i] = sum[i] + g * g;
    param[i] = param[i] - (clr * g) / (Math.sqrt(sum[i]) + eps);
  }
}

export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<AdagradOptions>[],
    options: Partial<AdagradOptions> = {},
  ) {
    super(params, withDefaults(ADAGRAD_DEFAULTS, options));
    // Unlike the other optimizers, PyTorch's Adagrad creates its state eagerly, in the constructor,
    // so `stateDict()` lists every parameter from the start.
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        this.stateFor(p, () => initAdagradState(p.size, group.initialAccumulatorValue));
      }
    }
  }

  protected validate(options: AdagradOptions): void {
    throwIfAny(adagradIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initAdagradState(p.size, group.initialAccumulatorValue));
      adagradStep(p.data, grad, state, group);
    });
  }
}
