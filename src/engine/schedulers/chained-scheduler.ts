/**
 * ChainedScheduler: steps every wrapped scheduler each epoch, in order, so their
 * (chainable) factors multiply. The schedulers are built beforehand on the same optimizer,
 * and their initial steps stand: construction changes nothing further.
 */
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { checkSchedulers, loadSubStates } from './sequential-lr.js';

export class ChainedScheduler extends LRScheduler {
  readonly schedulers: LRScheduler[];

  /** `optimizer` defaults to the first scheduler's (PyTorch 1.13 takes only the schedulers). */
  constructor(
    schedulers: readonly LRScheduler[],
    optimizer: Optimizer | undefined = schedulers[0]?.optimizer,
  ) {
    super(optimizer as Optimizer);
    checkSchedulers(optimizer as Optimizer, schedulers, 'ChainedScheduler');
    this.schedulers = [...schedulers];
    this.lastEpoch = 0;
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
    this.lastLr = this.currentLrs();
  }

  override step(_metric?: number): void {
    this.stepCount++;
    this.lastEpoch++;
    for (const s of this.schedulers) s.step();
    this.lastLr = this.currentLrs();
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
    loadSubStates(this.schedulers, subs);
  }
}
