/**
 * What SequentialLR and ChainedScheduler share: wrapped schedulers on the wrapper's optimizer, an
 * lr that is whatever the wrapped ones set, and a state dict that nests theirs under `_schedulers`.
 */
import { SpecError, type SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, type SchedulerStateDict, throwIfAny } from './lr-scheduler.js';

export abstract class CompositeScheduler extends LRScheduler {
  readonly schedulers: LRScheduler[];

  /** `who` names the wrapper in messages, in PyTorch's words. */
  protected constructor(optimizer: Optimizer, schedulers: readonly LRScheduler[], who: string) {
    super(optimizer);
    checkSchedulers(optimizer, schedulers, who);
    this.schedulers = [...schedulers];
    this.lastEpoch = 0;
  }

  protected getLr(): number[] {
    return this.currentLrs();
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(dict: SchedulerStateDict): void {
    const { _schedulers: subs, ...own } = dict;
    super.loadStateDict(own);
    if (subs === undefined) return;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new SpecError([
        { path: ['_schedulers'], message: `expected ${this.schedulers.length} scheduler state dicts` },
      ]);
    }
    this.schedulers.forEach((s, i) => {
      try {
        s.loadStateDict(subs[i] as SchedulerStateDict);
      } catch (e) {
        throw e instanceof SpecError ? e.under('_schedulers', i) : e;
      }
    });
  }
}

/** Wrapped schedulers must exist and share the wrapper's optimizer. */
function checkSchedulers(optimizer: Optimizer, schedulers: readonly LRScheduler[], who: string): void {
  throwIfAny(nonEmpty(who, schedulers.length));
  schedulers.forEach((s, i) => {
    if (s.optimizer !== optimizer) {
      throw new SpecError([
        {
          path: ['schedulers', i],
          message: `${who} expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        },
      ]);
    }
    if (s.needsMetric) {
      throw new SpecError([
        {
          path: ['schedulers', i],
          message: `${who} cannot wrap ${s.constructor.name}, whose step() needs a metric`,
        },
      ]);
    }
  });
}

export function nonEmpty(who: string, schedulerCount: number): SpecIssue[] {
  return issueIf(schedulerCount === 0, 'schedulers', `${who} expects at least one scheduler`);
}
