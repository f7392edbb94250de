/** ExponentialLR: multiplies the lr by `gamma` every epoch. Closed form: `base_lr * gamma ** epoch`. */
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface ExponentialLROptions {
  gamma: number;
}

export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer);
    this.gamma = options.gamma;
    this.start();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}
