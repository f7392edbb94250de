/**
 * ConstantLR: multiplies the lr by `factor` for the first `total_iters` epochs, then restores
 * it. Construction applies the factor at once.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface ConstantLROptions {
  factor?: number;
  totalIters?: number;
}

export class ConstantLR extends LRScheduler {
  static readonly defaults = Object.freeze({ factor: 1 / 3, totalIters: 5 });

  readonly factor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: ConstantLROptions = {}) {
    super(optimizer);
    const o = withDefaults(ConstantLR.defaults, options);
    throwIfAny(ConstantLR.check(o));
    this.factor = o.factor;
    this.totalIters = o.totalIters;
    this.start();
  }

  static check(o: Required<ConstantLROptions>): SpecIssue[] {
    return [
      // PyTorch accepts 0 here and then divides by it when restoring the lr; we refuse it up front.
      ...issueIf(
        o.factor > 1 || o.factor <= 0,
        'factor',
        'Constant multiplicative factor expected to be between 0 and 1.',
      ),
      ...positiveInt('total_iters', o.totalIters),
    ];
  }

  protected getLr(): number[] {
    const e = this.lastEpoch;
    if (e === 0) return this.currentLrs().map((lr) => lr * this.factor);
    if (e !== this.totalIters) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    const f = this.lastEpoch >= this.totalIters ? 1 : this.factor;
    return this.baseLrs.map((base) => base * f);
  }
}
