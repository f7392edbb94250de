/**
 * CosineAnnealingLR: `eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2`.
 *
 * Like PyTorch, the per-epoch update is the recursive ("chainable") form, so it composes with
 * other schedulers in a ChainedScheduler; past `T_max` it keeps following the cosine (period
 * `2 * T_max`) rather than stopping at `eta_min`.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface CosineAnnealingLROptions {
  TMax: number;
  etaMin?: number;
}

export class CosineAnnealingLR extends LRScheduler {
  static readonly defaults = Object.freeze({ etaMin: 0 });

  readonly TMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer);
    const o = withDefaults(CosineAnnealingLR.defaults, options);
    throwIfAny(CosineAnnealingLR.check(o));
    this.TMax = o.TMax;
    this.etaMin = o.etaMin;
    this.start();
  }

  static check(o: Required<CosineAnnealingLROptions>): SpecIssue[] {
    return positiveInt('T_max', o.TMax);
  }

  protected getLr(): number[] {
    const { lastEpoch: e, TMax: T, etaMin } = this;
    if (e === 0) return this.currentLrs();
    if (this.stepCount === 1 && e > 0) return this.closedFormLr();
    const groups = this.optimizer.paramGroups;
    // At the bottom of a half period the ratio below is 0/0; PyTorch steps up from eta_min instead.
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T));
    return groups.map((g) => ratio * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, TMax: T, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2);
  }
}

/** Python's `%`: the result takes the divisor's sign. */
function pyMod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
