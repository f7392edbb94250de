/**
 * StepLR: multiplies the lr by `gamma` every `stepSize` epochs.
 * Closed form: `base_lr * gamma ** floor(epoch / step_size)`.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
}

export class StepLR extends LRScheduler {
  static readonly defaults = Object.freeze({ gamma: 0.1 });

  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer);
    const o = withDefaults(StepLR.defaults, options);
    throwIfAny(StepLR.check(o));
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this.start();
  }

  static check(o: Required<StepLROptions>): SpecIssue[] {
    return positiveInt('step_size', o.stepSize);
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
