/**
 * NAdam, after `torch.optim.NAdam` (PyTorch 1.13): Adam with Nesterov momentum, whose momentum
 * coefficient warms up with `momentum_decay` (Dozat's schedule). PyTorch 1.13's NAdam has no
 * `maximize` and no decoupled weight decay.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBetas, checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface NAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
}

export const NADAM_DEFAULTS: NAdamOptions = {
  lr: 0.002,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  momentumDecay: 0.004,
};

export type NAdamState = {
  step: number;
  /** The product of the momentum coefficients mu_1 … mu_t so far. */
  muProduct: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
};

export function initNAdamState(size: number): NAdamState {
  return { step: 0, muProduct: 1, expAvg: new Float32Array(size), expAvgSq: new Float32Array(size) };
}

export function nadamIssues(o: NAdamOptions): SpecIssue[] {
  return [
    ...failed(checkLr(o.lr), checkEps(o.eps)),
    ...checkBetas(o.betas),
    ...failed(
      checkNonNegative('weight_decay', o.weightDecay),
      checkNonNegative('momentum_decay', o.momentumDecay),
    ),
  ];
}

/** One NAdam update of `param` in place (PyTorch's `_single_tensor_nadam` for one parameter). */
export function nadamStep(param: Float32Array, grad: Float32Array, state: NAdamState, o: NAdamOptions): void {
  const { lr, eps, weightDecay, momentumDecay } = o;
  const [beta1, beta2] = o.betas;
  const { expAvg, expAvgSq } = state;
  state.step += 1;
  const step = state.step;
  const biasCorrection2 = 1 - beta2 ** step;
  const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
  const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
  // PyTorch keeps mu_product in a float32 tensor.
  state.muProduct = Math.fround(state.muProduct * mu);
  // PyTorch 1.13 multiplies mu in a second time here (mu_product already includes it); fixed in
  // later releases, kept because 1.13 is the contract and its conformance vectors pin it down.
  const muProductNext = state.muProduct * mu * muNext;
  const gradCoef = (-lr * (1 - mu)) / (1 - state.muProduct);
  const avgCoef = (-lr * muNext) / (1 - muProductNext);
  for (let i = 0; i < param.length; i++) {
    let g = grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
    expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
    const denom = Math.sqrt(expAvgSq[i] / biasCorrection2) + eps;
    // Two separate in-place updates in PyTorch; the intermediate parameter is a float32.
    param[i] = param[i] + (gradCoef * g) / denom;
    param[i] = param[i] + (avgCoef * expAvg[i]) / denom;
  }
}

export class NAdam extends Optimizer<NAdamOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<NAdamOptions>[],
    options: Partial<NAdamOptions> = {},
  ) {
    super(params, withDefaults(NADAM_DEFAULTS, options));
  }

  protected validate(options: NAdamOptions): void {
    throwIfAny(nadamIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initNAdamState(p.size));
      nadamStep(p.data, grad, state, group);
    });
  }
}
