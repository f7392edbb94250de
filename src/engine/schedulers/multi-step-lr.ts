/**
 * MultiStepLR: multiplies the lr by `gamma` at each milestone epoch. A milestone listed twice
 * multiplies by `gamma` twice (PyTorch keeps them in a Counter).
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface MultiStepLROptions {
  milestones: readonly number[];
  gamma?: number;
}

export class MultiStepLR extends LRScheduler {
  static readonly defaults = Object.freeze({ gamma: 0.1 });

  /** Sorted, duplicates kept. */
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer);
    const o = withDefaults(MultiStepLR.defaults, options);
    throwIfAny(MultiStepLR.check(o));
    this.milestones = [...o.milestones].sort((a, b) => a - b);
    this.gamma = o.gamma;
    this.start();
  }

  static check(o: Required<MultiStepLROptions>): SpecIssue[] {
    const bad = o.milestones.find((m) => !Number.isInteger(m) || m < 0);
    return issueIf(
      bad !== undefined,
      'milestones',
      `Expected non-negative integer milestones, but got ${bad}`,
    );
  }

  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    // bisect_right: the number of milestones <= lastEpoch.
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }
}
