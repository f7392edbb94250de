/**
 * Adadelta, after `torch.optim.Adadelta` (PyTorch 1.13): the update is scaled by the ratio of the
 * running RMS of past updates to that of past gradients, then by `lr` (default 1.0).
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export const ADADELTA_DEFAULTS: AdadeltaOptions = {
  lr: 1.0,
  rho: 0.9,
  eps: 1e-6,
  weightDecay: 0,
  maximize: false,
};

export type AdadeltaState = { step: number; squareAvg: Float32Array; accDelta: Float32Array };

export function initAdadeltaState(size: number): AdadeltaState {
  return { step: 0, squareAvg: new Float32Array(size), accDelta: new Float32Array(size) };
}

export function adadeltaIssues(o: AdadeltaOptions): SpecIssue[] {
  return failed(
    checkLr(o.lr),
    0 <= o.rho && o.rho <= 1 ? null : { path: ['rho'], message: `Invalid rho value: ${o.rho}` },
    checkEps(o.eps),
    checkNonNegative('weight_decay', o.weightDecay),
  );
}

/** One Adadelta update of `param` in place (PyTorch's `_single_tensor_adadelta` for one parameter). */
export function adadeltaStep(
  param: Float32Array,
  grad: Float32Array,
  state: AdadeltaState,
  o: AdadeltaOptions,
): void {
  const { lr, rho, eps, weightDecay, maximize } = o;
  const { squareAvg, accDelta } = state;
  state.step += 1;
  for (let i = 0; i < param.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    squareAvg[i] = rho * squareAvg[i] + (1 - rho) * g * g;
    const std = Math.sqrt(squareAvg[i] + eps);
    const delta = (Math.sqrt(accDelta[i] + eps) / std) * g;
    accDelta[i] = rho * accDelta[i] + (1 - rho) * delta * delta;
    param[i] = param[i] - lr * delta;
  }
}

export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<AdadeltaOptions>[],
    options: Partial<AdadeltaOptions> = {},
  ) {
    super(params, withDefaults(ADADELTA_DEFAULTS, options));
  }

  protected validate(options: AdadeltaOptions): void {
    throwIfAny(adadeltaIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initAdadeltaState(p.size));
      adadeltaStep(p.data, grad, state, group);
    });
  }
}
