/**
 * Stochastic gradient descent, after `torch.optim.SGD` (PyTorch 1.13): optional momentum with
 * dampening, Nesterov momentum, L2 weight decay and maximize.
 */
import type { SpecIssue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkLr, checkNonNegative, failed, throwIfAny } from './checks.js';
import { Optimizer, type ParamGroupInit, withDefaults } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** PyTorch 1.13 has no default lr for SGD (`lr=required`); the others are its defaults. */
export const SGD_DEFAULTS: Omit<SGDOptions, 'lr'> = {
  momentum: 0,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
  maximize: false,
};

/** The momentum buffer is created at the first step with momentum, as a copy of that step's update. */
export type SGDState = { momentumBuffer?: Float32Array };

export function sgdIssues(o: SGDOptions): SpecIssue[] {
  return failed(
    checkLr(o.lr),
    checkNonNegative('momentum', o.momentum),
    checkNonNegative('weight_decay', o.weightDecay),
    o.nesterov && (o.momentum <= 0 || o.dampening !== 0)
      ? { path: ['nesterov'], message: 'Nesterov momentum requires a momentum and zero dampening' }
      : null,
  );
}

/** One SGD update of `param` in place (PyTorch's `_single_tensor_sgd` for one parameter). */
export function sgdStep(param: Float32Array, grad: Float32Array, state: SGDState, o: SGDOptions): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = o;
  const firstMomentumStep = momentum !== 0 && state.momentumBuffer === undefined;
  if (firstMomentumStep) state.momentumBuffer = new Float32Array(param.length);
  const buf = state.momentumBuffer;
  if (buf !== undefined && !firstMomentumStep && !maximize && weightDecay === 0 && !nesterov) {
    plainMomentumLoop(param, grad, buf, lr, momentum, 1 - dampening);
    return;
  }
  for (let i = 0; i < param.length; i++) {
    let d = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) d += weightDecay * param[i];
    if (momentum !== 0 && buf !== undefined) {
      buf[i] = firstMomentumStep ? d : momentum * buf[i] + (1 - dampening) * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    param[i] = param[i] - lr * d;
  }
}

/** Heavy-ball momentum without decay, Nesterov or maximize as one branch-free loop; the same arithmetic. */
function plainMomentumLoop(
  param: Float32Array,
  grad: Float32Array,
  buf: Float32Array,
  lr: number,
  momentum: number,
  oneMinusDampening: number,
): void {
  for (let i = 0; i < param.length; i++) {
    buf[i] = momentum * buf[i] + oneMinusDampening * grad[i];
    param[i] = param[i] - lr * buf[i];
  }
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(
    params: readonly Tensor[] | readonly ParamGroupInit<SGDOptions>[],
    options: Partial<SGDOptions> & { lr: number },
  ) {
    super(params, withDefaults({ ...SGD_DEFAULTS, lr: options.lr }, options));
  }

  protected validate(options: SGDOptions): void {
    throwIfAny(sgdIssues(options));
  }

  step(): void {
    this.forEachParamWithGrad((p, grad, group) => {
      sgdStep(
        p.data,
        grad,
        this.stateFor<SGDState>(p, () => ({})),
        group,
      );
    });
  }
}
