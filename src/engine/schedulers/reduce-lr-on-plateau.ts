/**
 * ReduceLROnPlateau: multiplies the lr by `factor` once the monitored metric has not improved
 * for more than `patience` epochs, then waits `cooldown` epochs before counting again.
 * "Improved" means better than the best so far by more than `threshold`, relative
 * (`best * (1 ∓ threshold)`) or absolute (`best ∓ threshold`). A reduction is
 * `max(lr * factor, min_lr)` and is skipped when it would change the lr by `eps` or less.
 *
 * Its `step(metric)` needs the metric (`needsMetric` is true). Construction does not touch the lr.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import {
  issueIf,
  LRScheduler,
  perGroup,
  type SchedulerStateDict,
  throwIfAny,
  withDefaults,
} from './lr-scheduler.js';

export type PlateauMode = 'min' | 'max';
export type ThresholdMode = 'rel' | 'abs';

export interface ReduceLROnPlateauOptions {
  mode?: PlateauMode;
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: ThresholdMode;
  cooldown?: number;
  minLr?: number | readonly number[];
  eps?: number;
}

export const plateauModeError = (value: unknown) => `mode ${value} is unknown!`;
export const thresholdModeError = (value: unknown) => `threshold mode ${value} is unknown!`;

export class ReduceLROnPlateau extends LRScheduler {
  static readonly defaults = Object.freeze({
    mode: 'min' as PlateauMode,
    factor: 0.1,
    patience: 10,
    threshold: 1e-4,
    thresholdMode: 'rel' as ThresholdMode,
    cooldown: 0,
    minLr: 0,
    eps: 1e-8,
  });

  override readonly needsMetric = true;
  readonly mode: PlateauMode;
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: ThresholdMode;
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** Best metric so far; starts at the worst value for the mode (±Infinity). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    super(optimizer);
    const o = withDefaults(ReduceLROnPlateau.defaults, options);
    throwIfAny(ReduceLROnPlateau.check(o));
    this.mode = o.mode;
    this.factor = o.factor;
    this.patience = o.patience;
    this.threshold = o.threshold;
    this.thresholdMode = o.thresholdMode;
    this.cooldown = o.cooldown;
    this.minLrs = perGroup('min_lr', optimizer, o.minLr);
    this.eps = o.eps;
    this.best = this.modeWorse;
    // Not a chainable scheduler: no initial step, no initialLr; epoch 0 is the state at construction.
    this.lastEpoch = 0;
    this.baseLrs = this.currentLrs();
    this.lastLr = this.currentLrs();
  }

  static check(o: Required<ReduceLROnPlateauOptions>): SpecIssue[] {
    const nonNegativeInt = (name: string, v: number) =>
      issueIf(!Number.isInteger(v) || v < 0, name, `Expected non-negative integer ${name}, but got ${v}`);
    return [
      ...issueIf(o.mode !== 'min' && o.mode !== 'max', 'mode', plateauModeError(o.mode)),
      ...issueIf(o.factor >= 1, 'factor', 'Factor should be < 1.0.'),
      ...nonNegativeInt('patience', o.patience),
      ...issueIf(
        o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs',
        'threshold_mode',
        thresholdModeError(o.thresholdMode),
      ),
      ...nonNegativeInt('cooldown', o.cooldown),
    ];
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override step(metric?: number): void {
    if (metric === undefined) {
      throw new TypeError('ReduceLROnPlateau.step() needs the monitored metric, e.g. step(valLoss)');
    }
    this.stepCount++;
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.currentLrs();
  }

  /** There is no epoch-indexed schedule to jump to. */
  override stepTo(_epoch: number): void {
    throw new TypeError('ReduceLROnPlateau cannot jump to an epoch; call step(metric)');
  }

  protected getLr(): number[] {
    return this.currentLrs();
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const newLr = Math.max(group.lr * this.factor, this.minLrs[i]);
      if (group.lr - newLr > this.eps) group.lr = newLr;
    });
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** `best` is ±Infinity until the first step, which JSON writes as null; read null back as that. */
  override loadStateDict(dict: SchedulerStateDict): void {
    super.loadStateDict(dict);
    if (this.best === null) this.best = this.modeWorse;
  }
}
