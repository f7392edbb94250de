/**
 * ChainedScheduler: steps every wrapped scheduler each epoch, in order, so their
 * (chainable) factors multiply. The schedulers are built beforehand on the same optimizer,
 * and their initial steps stand: construction changes nothing further.
 */
import type { Optimizer } from '../optim/optimizer.js';
import { CompositeScheduler } from './composite-scheduler.js';
import type { LRScheduler } from './lr-scheduler.js';

export class ChainedScheduler extends CompositeScheduler {
  /** `optimizer` defaults to the first scheduler's (PyTorch 1.13 takes only the schedulers). */
  constructor(
    schedulers: readonly LRScheduler[],
    optimizer: Optimizer | undefined = schedulers[0]?.optimizer,
  ) {
    super(optimizer as Optimizer, schedulers, 'ChainedScheduler');
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
    this.lastLr = this.currentLrs();
  }

  override step(_metric?: number): void {
    this.stepCount++;
    this.lastEpoch++;
    for (const s of this.schedulers) s.step();
    this.lastLr = this.currentLrs();
  }
}
