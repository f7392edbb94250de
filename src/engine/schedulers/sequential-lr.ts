/**
 * SequentialLR: runs one scheduler after another, switching at each milestone epoch.
 *
 * Its schedulers are built first, on the same optimizer (each one's construction has already
 * taken an initial step). Construction then resets every group's lr to its `initialLr`, undoes
 * those initial steps and re-takes only the first scheduler's. At a milestone the next
 * scheduler restarts from epoch 0 in closed form (`stepTo(0)`, PyTorch's `step(0)`), i.e. from
 * the initial lr, not from wherever the previous scheduler left it.
 */
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { CompositeScheduler } from './composite-scheduler.js';
import { issueIf, type LRScheduler, throwIfAny } from './lr-scheduler.js';

export interface SequentialLROptions {
  schedulers: readonly LRScheduler[];
  milestones: readonly number[];
}

export class SequentialLR extends CompositeScheduler {
  readonly milestones: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const { schedulers, milestones } = options;
    super(optimizer, schedulers, 'Sequential Schedulers');
    throwIfAny(SequentialLR.check(schedulers.length, milestones));
    this.milestones = [...milestones];

    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** The milestones must fall between the schedulers: one fewer, in increasing order. */
  static check(schedulerCount: number, milestones: readonly number[]): SpecIssue[] {
    if (milestones.length !== schedulerCount - 1) {
      return issueIf(
        true,
        'milestones',
        'Sequential Schedulers expects number of schedulers provided to be one more than the number of ' +
          `milestone points, but got number of schedulers ${schedulerCount} and the number of milestones ` +
          `to be equal to ${milestones.length}`,
      );
    }
    const increasing = milestones.every((m, i) => Number.isInteger(m) && (i === 0 || m > milestones[i - 1]));
    return issueIf(
      !increasing,
      'milestones',
      `Expected increasing integer milestones, but got [${milestones}]`,
    );
  }

  override step(_metric?: number): void {
    this.stepCount++;
    this.lastEpoch++;
    // bisect_right: the number of milestones already reached picks the scheduler.
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.stepTo(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }
}
