/**
 * CosineAnnealingWarmRestarts (SGDR): cosine annealing from the base lr down to `eta_min` over
 * `T_i` epochs, then a restart; each period is `T_mult` times the previous one (`T_0` first).
 * The lr is always computed in closed form from `T_cur` and `T_i`.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';

export interface CosineAnnealingWarmRestartsOptions {
  T0: number;
  TMult?: number;
  etaMin?: number;
}

export class CosineAnnealingWarmRestarts extends LRScheduler {
  static readonly defaults = Object.freeze({ TMult: 1, etaMin: 0 });

  readonly T0: number;
  readonly TMult: number;
  readonly etaMin: number;
  /** Length of the current period. */
  TI: number;
  /** Epochs since the last restart. */
  TCur: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingWarmRestartsOptions) {
    super(optimizer);
    const o = withDefaults(CosineAnnealingWarmRestarts.defaults, options);
    throwIfAny(CosineAnnealingWarmRestarts.check(o));
    this.T0 = o.T0;
    this.TI = o.T0;
    this.TMult = o.TMult;
    this.etaMin = o.etaMin;
    this.TCur = -1;
    this.start();
  }

  static check(o: Required<CosineAnnealingWarmRestartsOptions>): SpecIssue[] {
    return [
      ...positiveInt('T_0', o.T0),
      ...issueIf(
        !Number.isInteger(o.TMult) || o.TMult < 1,
        'T_mult',
        `Expected integer T_mult >= 1, but got ${o.TMult}`,
      ),
    ];
  }

  override step(_metric?: number): void {
    // The initial step (lastEpoch -1) lands on epoch 0 through the closed form.
    if (this.lastEpoch < 0) {
      this.stepTo(0);
      return;
    }
    this.stepCount++;
    this.lastEpoch++;
    this.TCur++;
    if (this.TCur >= this.TI) {
      this.TCur -= this.TI;
      this.TI *= this.TMult;
    }
    this.applyLrs(this.getLr());
  }

  override stepTo(epoch: number): void {
    if (epoch < 0) throw new RangeError(`Expected non-negative epoch, but got ${epoch}`);
    this.stepCount++;
    if (epoch >= this.T0) {
      if (this.TMult === 1) {
        this.TCur = epoch % this.T0;
      } else {
        const n = Math.floor(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
        this.TCur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
        this.TI = this.T0 * this.TMult ** n;
      }
    } else {
      this.TI = this.T0;
      this.TCur = epoch;
    }
    this.lastEpoch = Math.floor(epoch);
    this.applyLrs(this.getLr());
  }

  protected getLr(): number[] {
    const cos = Math.cos((Math.PI * this.TCur) / this.TI);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + cos)) / 2);
  }
}
