import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import type { Optimizer } from '../../../src/engine/optim/optimizer.js';
import { SGD } from '../../../src/engine/optim/sgd.js';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  type LRScheduler,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
} from '../../../src/engine/schedulers/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const sgd = (lr = 1): Optimizer => new SGD([tensor([0], { requiresGrad: true })], { lr });

function lrsOver(s: LRScheduler, epochs: number): number[] {
  const lrs: number[] = [];
  for (let i = 0; i < epochs; i++) {
    lrs.push(s.optimizer.paramGroups[0].lr);
    s.step();
  }
  return lrs;
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(1e-15 + 1e-12 * Math.abs(expected[i]));
  });
}

describe('SequentialLR', () => {
  it('re-applies only the first scheduler on construction and restarts the next one at the milestone', () => {
    const opt = sgd(1);
    const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    const decay = new StepLR(opt, { stepSize: 2, gamma: 0.1 });
    const s = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [3] });
    expect(s.getLastLr()).toEqual([0.5]);
    expectClose(lrsOver(s, 8), [0.5, 0.75, 1, 1, 1, 0.1, 0.1, 0.01]);
  });

  it('restarts from the initial lr, not from where the previous scheduler left it', () => {
    const opt = sgd(1);
    const first = new ConstantLR(opt, { factor: 0.1, totalIters: 10 });
    const second = new CosineAnnealingLR(opt, { TMax: 4 });
    const s = new SequentialLR(opt, { schedulers: [first, second], milestones: [2] });
    expectClose(lrsOver(s, 5), [0.1, 0.1, 1, (1 + Math.cos(Math.PI / 4)) / 2, 0.5]);
  });

  it('checks the milestone count in PyTorch wording, and the optimizer of each scheduler', () => {
    const opt = sgd();
    const a = new StepLR(opt, { stepSize: 1 });
    const b = new ExponentialLR(opt, { gamma: 0.9 });
    expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [] })).toThrow(
      'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 2 and the number of milestones to be equal to 0',
    );
    const other = new ExponentialLR(sgd(), { gamma: 0.9 });
    try {
      new SequentialLR(opt, { schedulers: [a, other], milestones: [2] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).issues[0].path).toEqual(['schedulers', 1]);
    }
    expect(() => new SequentialLR(opt, { schedulers: [], milestones: [] })).toThrow(
      'Sequential Schedulers expects at least one scheduler',
    );
  });

  it('refuses to wrap ReduceLROnPlateau', () => {
    const opt = sgd();
    const plateau = new ReduceLROnPlateau(opt);
    expect(() => new SequentialLR(opt, { schedulers: [plateau], milestones: [] })).toThrow('needs a metric');
  });
});

describe('ChainedScheduler', () => {
  it('steps every scheduler each epoch so their factors multiply', () => {
    const opt = sgd(1);
    const s = new ChainedScheduler([
      new ConstantLR(opt, { factor: 0.5, totalIters: 2 }),
      new ExponentialLR(opt, { gamma: 0.9 }),
    ]);
    expectClose(lrsOver(s, 4), [0.5, 0.45, 0.81, 0.729]);
    expectClose(s.getLastLr(), [0.6561]);
  });

  it('equals the product of the closed forms for multiplicative schedulers', () => {
    const opt = sgd(1);
    const s = new ChainedScheduler([
      new LinearLR(opt, { startFactor: 0.25, totalIters: 4 }),
      new StepLR(opt, { stepSize: 3, gamma: 0.5 }),
    ]);
    const expected = Array.from(
      { length: 9 },
      (_, e) => (0.25 + (0.75 * Math.min(e, 4)) / 4) * 0.5 ** Math.floor(e / 3),
    );
    expectClose(lrsOver(s, 9), expected);
  });

  it('requires schedulers on one optimizer', () => {
    expect(() => new ChainedScheduler([])).toThrow('ChainedScheduler expects at least one scheduler');
    expect(
      () => new ChainedScheduler([new StepLR(sgd(), { stepSize: 1 }), new StepLR(sgd(), { stepSize: 1 })]),
    ).toThrow('same optimizer');
  });
});
