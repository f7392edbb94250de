/**
 * Rprop, after `torch.optim.Rprop` (PyTorch 1.13): each element moves by its own step size in the
 * direction of -sign(grad); the step size grows by etas[1] while the gradient keeps its sign and
 * shrinks by etas[0] when it flips (and that step is skipped), clamped to step_sizes.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkLr, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface RpropOptions {
  lr: number;
  /** (etaminus, etaplus): multiplicative decrease and increase factors. */
  etas: [number, number];
  /** (min, max) allowed step sizes. */
  stepSizes: [number, number];
  maximize: boolean;
}

export const RPROP_DEFAULTS: RpropOptions = {
  lr: 0.01,
  etas: [0.5, 1.2],
  stepSizes: [1e-6, 50],
  maximize: false,
};

export type RpropState = { step: number; prev: Float32Array; stepSize: Float32Array };

/** Step sizes start at the group's lr. */
export function initRpropState(size: number, lr: number): RpropState {
  return { step: 0, prev: new Float32Array(size), stepSize: new Float32Array(size).fill(lr) };
}

export function rpropIssues(o: RpropOptions): SpecIssue[] {
  const [etaminus, etaplus] = o.etas;
  return failed(
    checkLr(o.lr),
    0 < etaminus && etaminus < 1 && 1 < etaplus
      ? null
      : { path: ['etas'], message: `Invalid eta values: ${etaminus}, ${etaplus}` },
  );
}

/** One Rprop update of `param` in place (PyTorch's `_single_tensor_rprop` for one parameter). */
export function rpropStep(param: Float32Array, grad: Float32Array, state: RpropState, o: RpropOptions): void {
  const [etaminus, etaplus] = o.etas;
  const [stepSizeMin, stepSizeMax] = o.stepSizes;
  const { prev, stepSize } = state;
  state.step += 1;
  for (let i = 0; i < param.length; i++) {
    let g = o.maximize ? -grad[i] : grad[i];
    // The product is a float32 in PyTorch: a tiny product underflows to 0, i.e. "no sign".
    const product = Math.fround(g * prev[i]);
    const factor = product > 0 ? etaplus : product < 0 ? etaminus : 1;
    stepSize[i] = Math.min(Math.max(stepSize[i] * factor, stepSizeMin), stepSizeMax);
    // After a sign flip the step is skipped and the gradient forgotten.
    if (product < 0) g = 0;
    param[i] = param[i] - Math.sign(g) * stepSize[i];
    prev[i] = g;
  }
}

export class Rprop extends Optimizer<RpropOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<RpropOptions>[],
    options: Partial<RpropOptions> = {},
  ) {
    super(params, withDefaults(RPROP_DEFAULTS, options));
  }

  protected validate(options: RpropOptions): void {
    throwIfAny(rpropIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      const state = this.stateFor(p, () => initRpropState(p.size, group.lr));
      rpropStep(p.data, grad, state, group);
    });
  }
}
