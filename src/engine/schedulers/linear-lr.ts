/**
 * LinearLR: scales the lr by a factor going linearly from `start_factor` to `end_factor` over
 * `total_iters` epochs (a warm-up when start < end), then leaves it. Construction applies
 * `start_factor` at once.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface LinearLROptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
}

export class LinearLR extends LRScheduler {
  static readonly defaults = Object.freeze({ startFactor: 1 / 3, endFactor: 1, totalIters: 5 });

  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer);
    const o = withDefaults(LinearLR.defaults, options);
    throwIfAny(LinearLR.check(o));
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this.start();
  }

  static check(o: Required<LinearLROptions>): SpecIssue[] {
    return [
      ...issueIf(
        o.startFactor > 1 || o.startFactor <= 0,
        'start_factor',
        'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
      ),
      ...issueIf(
        o.endFactor > 1 || o.endFactor < 0,
        'end_factor',
        'Ending multiplicative factor expected to be between 0 and 1.',
      ),
      ...positiveInt('total_iters', o.totalIters),
    ];
  }

  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.currentLrs().map((lr) => lr * s);
    if (e > n) return this.currentLrs();
    // Ratio of this epoch's factor to the previous one's.
    const ratio = 1 + (f - s) / (n * s + (e - 1) * (f - s));
    return this.currentLrs().map((lr) => lr * ratio);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((f - s) * Math.min(n, e)) / n));
  }
}
