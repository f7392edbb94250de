/**
 * RAdam, after `torch.optim.RAdam` (PyTorch 1.13): Adam whose adaptive learning rate is switched
 * on only once the variance of the second moment is tractable (rho_t > 5), and rectified then;
 * before that the update is bias-corrected SGD with momentum. No `maximize` in PyTorch 1.13.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBetas, checkEps, checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface RAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export const RADAM_DEFAULTS: RAdamOptions = {
  lr: 0.001,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
};

export type RAdamState = { step: number; expAvg: Float32Array; expAvgSq: Float32Array };

export function initRAdamState(size: number): RAdamState {
  return { step: 0, expAvg: new Float32Array(size), expAvgSq: new Float32Array(size) };
}

export function radamIssues(o: RAdamOptions): SpecIssue[] {
  return [
    ...failed(checkLr(o.lr), checkEps(o.eps)),
    ...checkBetas(o.betas),
    ...failed(checkNonNegative('weight_decay', o.weightDecay)),
  ];
}

/** One RAdam update of `param` in place (PyTorch's `_single_tensor_radam` for one parameter). */
export function radamStep(param: Float32Array, grad: Float32Array, state: RAdamState, o: RAdamOptions): void {
  const { lr, eps, weightDecay } = o;
  const [beta1, beta2] = o.betas;
  const { expAvg, expAvgSq } = state;
  state.step += 1;
  const step = state.step;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  // The maximum and the current length of the approximated simple moving average.
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
  const rect =
    rhoT > 5 ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
  for (let i = 0; i < param.length; i++) {
    let g = grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * g;
    expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
    const update = (expAvg[i] / biasCorrection1) * lr;
    if (rhoT > 5) {
      const adaptiveLr = Math.sqrt(biasCorrection2) / (Math.sqrt(expAvgSq[i]) + eps);
      param[i] = param[i] - update * adaptiveLr * rect;
    } else {
      param[i] = param[i] - update;
    }
  }
}

export class RAdam extends Optimizer<RAdamOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<RAdamOptions>[],
    options: Partial<RAdamOptions> = {},
  ) {
    super(params, withDefaults(RADAM_DEFAULTS, options));
  }

  protected validate(options: RAdamOptions): void {
    throwIfAny(radamIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initRAdamState(p.size));
      radamStep(p.data, grad, state, group);
    });
  }
}
