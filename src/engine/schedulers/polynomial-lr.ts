/**
 * PolynomialLR: decays the lr to 0 over `total_iters` epochs,
 * `base_lr * (1 - min(epoch, total_iters) / total_iters) ** power`.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface PolynomialLROptions {
  totalIters?: number;
  power?: number;
}

export class PolynomialLR extends LRScheduler {
  static readonly defaults = Object.freeze({ totalIters: 5, power: 1 });

  readonly totalIters: number;
  readonly power: number;

  constructor(optimizer: Optimizer, options: PolynomialLROptions = {}) {
    super(optimizer);
    const o = withDefaults(PolynomialLR.defaults, options);
    throwIfAny(PolynomialLR.check(o));
    this.totalIters = o.totalIters;
    this.power = o.power;
    this.start();
  }

  static check(o: Required<PolynomialLROptions>): SpecIssue[] {
    return positiveInt('total_iters', o.totalIters);
  }

  protected getLr(): number[] {
    const { lastEpoch: e, totalIters: n } = this;
    if (e === 0 || e > n) return this.currentLrs();
    const decay = ((1 - e / n) / (1 - (e - 1) / n)) ** this.power;
    return this.currentLrs().map((lr) => lr * decay);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (1 - Math.min(n, e) / n) ** this.power);
  }
}
