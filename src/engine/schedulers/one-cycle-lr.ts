/**
 * OneCycleLR (the 1cycle policy): the lr rises from `max_lr / div_factor` to `max_lr` over the
 * first `pct_start` of `total_steps`, then anneals to `initial_lr / final_div_factor`; momentum
 * (or Adam's beta1) moves the opposite way between `max_momentum` and `base_momentum`.
 * `three_phase` adds a symmetric way back down before the final annealing.
 *
 * Construction ignores the optimizer's lr: it sets every group's `initialLr` to
 * `max_lr / div_factor` and its momentum to `max_momentum`. Stepping past `total_steps` is an
 * error, as in PyTorch.
 */
import { SpecError, type SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, perGroup, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';
import { type MomentumKey, momentumKeyOf, writeMomentum } from './momentum.js';

export type AnnealStrategy = 'cos' | 'linear';

export interface OneCycleLROptions {
  maxLr: number | readonly number[];
  totalSteps?: number | null;
  epochs?: number | null;
  stepsPerEpoch?: number | null;
  pctStart?: number;
  annealStrategy?: AnnealStrategy;
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

type LrKey = 'initialLrs' | 'maxLrs' | 'minLrs';
type MomentumsKey = 'maxMomentums' | 'baseMomentums';

/** One leg of the cycle: it ends at step `endStep` (a float, as in PyTorch) and anneals between the named values. */
interface Phase {
  endStep: number;
  startLr: LrKey;
  endLr: LrKey;
  startMomentum: MomentumsKey;
  endMomentum: MomentumsKey;
}

export const annealStrategyError = (value: unknown) =>
  `anneal_strategy must by one of 'cos' or 'linear', instead got ${value}`;

export class OneCycleLR extends LRScheduler {
  static readonly defaults = Object.freeze({
    totalSteps: null,
    epochs: null,
    stepsPerEpoch: null,
    pctStart: 0.3,
    annealStrategy: 'cos' as AnnealStrategy,
    cycleMomentum: true,
    baseMomentum: 0.85,
    maxMomentum: 0.95,
    divFactor: 25,
    finalDivFactor: 1e4,
    threePhase: false,
  });

  readonly totalSteps: number;
  readonly annealStrategy: AnnealStrategy;
  readonly cycleMomentum: boolean;
  readonly phases: Phase[];
  readonly initialLrs: number[];
  readonly maxLrs: number[];
  readonly minLrs: number[];
  readonly momentumKey: MomentumKey | null = null;
  readonly maxMomentums: number[] = [];
  readonly baseMomentums: number[] = [];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super(optimizer);
    const o = withDefaults(OneCycleLR.defaults, options);
    throwIfAny(OneCycleLR.check(o));
    this.totalSteps = o.totalSteps ?? (o.epochs as number) * (o.stepsPerEpoch as number);
    this.annealStrategy = o.annealStrategy;
    this.phases = phasesOf(o.pctStart, this.totalSteps, o.threePhase);

    this.maxLrs = perGroup('max_lr', optimizer, o.maxLr);
    this.initialLrs = this.maxLrs.map((m) => m / o.divFactor);
    this.minLrs = this.initialLrs.map((lr) => lr / o.finalDivFactor);
    optimizer.paramGroups.forEach((g, i) => {
      g.initialLr = this.initialLrs[i];
    });

    this.cycleMomentum = o.cycleMomentum;
    if (o.cycleMomentum) {
      this.momentumKey = momentumKeyOf(optimizer);
      if (this.momentumKey === null) {
        throw new SpecError([
          {
            path: ['cycle_momentum'],
            message: 'optimizer must support momentum with `cycle_momentum` option enabled',
          },
        ]);
      }
      this.maxMomentums = perGroup('max_momentum', optimizer, o.maxMomentum);
      this.baseMomentums = perGroup('base_momentum', optimizer, o.baseMomentum);
      const key = this.momentumKey;
      optimizer.paramGroups.forEach((g, i) => {
        writeMomentum(g, key, this.maxMomentums[i]);
      });
    }
    this.start();
  }

  static check(o: Required<OneCycleLROptions>): SpecIssue[] {
    const issues: SpecIssue[] = [];
    const mustDefine = 'You must define either total_steps OR (epochs AND steps_per_epoch)';
    if (o.totalSteps !== null) issues.push(...positiveInt('total_steps', o.totalSteps));
    else if (o.epochs === null || o.stepsPerEpoch === null)
      issues.push({ path: [o.epochs === null ? 'epochs' : 'steps_per_epoch'], message: mustDefine });
    else issues.push(...positiveInt('epochs', o.epochs), ...positiveInt('steps_per_epoch', o.stepsPerEpoch));
    issues.push(
      ...issueIf(
        !(o.pctStart >= 0 && o.pctStart <= 1),
        'pct_start',
        `Expected float between 0 and 1 pct_start, but got ${o.pctStart}`,
      ),
      ...issueIf(
        o.annealStrategy !== 'cos' && o.annealStrategy !== 'linear',
        'anneal_strategy',
        annealStrategyError(o.annealStrategy),
      ),
    );
    return issues;
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new RangeError(
        `Tried to step ${step} times. The specified number of total steps is ${this.totalSteps}`,
      );
    }
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    // The first phase not yet finished; the last one also covers the final step.
    let index = 0;
    let startStep = 0;
    while (index < this.phases.length - 1 && step > this.phases[index].endStep) {
      startStep = this.phases[index].endStep;
      index++;
    }
    const phase = this.phases[index];
    // PyTorch divides by zero on an empty phase (e.g. pct_start * total_steps = 1); we treat it as finished.
    const span = phase.endStep - startStep;
    const pct = span === 0 ? 1 : (step - startStep) / span;

    if (this.momentumKey !== null) {
      const key = this.momentumKey;
      this.optimizer.paramGroups.forEach((g, i) => {
        writeMomentum(g, key, anneal(this[phase.startMomentum][i], this[phase.endMomentum][i], pct));
      });
    }
    return this.optimizer.paramGroups.map((_, i) =>
      anneal(this[phase.startLr][i], this[phase.endLr][i], pct),
    );
  }
}

function phasesOf(pctStart: number, totalSteps: number, threePhase: boolean): Phase[] {
  const up = pctStart * totalSteps - 1;
  if (threePhase) {
    return [
      {
        endStep: up,
        startLr: 'initialLrs',
        endLr: 'maxLrs',
        startMomentum: 'maxMomentums',
        endMomentum: 'baseMomentums',
      },
      {
        endStep: 2 * pctStart * totalSteps - 2,
        startLr: 'maxLrs',
        endLr: 'initialLrs',
        startMomentum: 'baseMomentums',
        endMomentum: 'maxMomentums',
      },
      {
        endStep: totalSteps - 1,
        startLr: 'initialLrs',
        endLr: 'minLrs',
        startMomentum: 'maxMomentums',
        endMomentum: 'maxMomentums',
      },
    ];
  }
  return [
    {
      endStep: up,
      startLr: 'initialLrs',
      endLr: 'maxLrs',
      startMomentum: 'maxMomentums',
      endMomentum: 'baseMomentums',
    },
    {
      endStep: totalSteps - 1,
      startLr: 'maxLrs',
      endLr: 'minLrs',
      startMomentum: 'baseMomentums',
      endMomentum: 'maxMomentums',
    },
  ];
}

/** Cosine from `start` (pct 0) to `end` (pct 1). */
function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}
