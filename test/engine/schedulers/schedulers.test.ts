import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import { Adagrad } from '../../../src/engine/optim/adagrad.js';
import { Adam } from '../../../src/engine/optim/adam.js';
import type { Optimizer } from '../../../src/engine/optim/optimizer.js';
import { SGD } from '../../../src/engine/optim/sgd.js';
import {
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  OneCycleLR,
  PolynomialLR,
  StepLR,
} from '../../../src/engine/schedulers/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const param = () => tensor([0, 0], { requiresGrad: true });
const sgd = (lr = 0.1, momentum = 0): Optimizer => new SGD([param()], { lr, momentum });

function lrsOver(s: LRScheduler, epochs: number): number[] {
  const lrs: number[] = [];
  for (let i = 0; i < epochs; i++) {
    lrs.push(s.optimizer.paramGroups[0].lr);
    s.step();
  }
  return lrs;
}

function expectClose(actual: readonly number[], expected: readonly number[], rtol = 1e-12): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (!(Math.abs(a - e) <= 1e-15 + rtol * Math.abs(e))) {
      throw new Error(`[${i}]: expected ${e}, got ${a} (all: ${JSON.stringify(actual)})`);
    }
  });
}

const momentumOf = (opt: Optimizer) => (opt.paramGroups[0] as unknown as { momentum: number }).momentum;
const betasOf = (opt: Optimizer) => (opt.paramGroups[0] as unknown as { betas: number[] }).betas;

describe('chainable updates agree with the closed forms', () => {
  const cases: [string, (opt: Optimizer) => LRScheduler][] = [
    ['StepLR', (o) => new StepLR(o, { stepSize: 3, gamma: 0.5 })],
    ['MultiStepLR (repeated milestone)', (o) => new MultiStepLR(o, { milestones: [5, 2, 5], gamma: 0.5 })],
    ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.9 })],
    ['CosineAnnealingLR past T_max', (o) => new CosineAnnealingLR(o, { TMax: 5, etaMin: 0.001 })],
    ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 4 })],
    ['ConstantLR', (o) => new ConstantLR(o, { factor: 0.25, totalIters: 3 })],
    ['PolynomialLR', (o) => new PolynomialLR(o, { totalIters: 6, power: 2 })],
  ];
  it.each(cases)('%s', (_name, make) => {
    const chained = lrsOver(make(sgd()), 17);
    const closed = chained.map((_, epoch) => {
      const s = make(sgd());
      s.stepTo(epoch);
      return s.getLastLr()[0];
    });
    expectClose(chained, closed, 1e-12);
  });

  it('MultiStepLR counts a repeated milestone twice', () => {
    const lrs = lrsOver(new MultiStepLR(sgd(1), { milestones: [2, 2] }), 4);
    expectClose(lrs, [1, 1, 0.01, 0.01]);
  });
});

describe('CosineAnnealingWarmRestarts', () => {
  it('restarts with periods growing by T_mult, and stepTo finds the same place', () => {
    const s = new CosineAnnealingWarmRestarts(sgd(1), { T0: 2, TMult: 2 });
    const lrs = lrsOver(s, 7);
    // Periods 2, 4, 8: restarts at epochs 2 and 6.
    expectClose(lrs, [
      1,
      0.5,
      1,
      (1 + Math.cos(Math.PI / 4)) / 2,
      0.5,
      (1 + Math.cos((3 * Math.PI) / 4)) / 2,
      1,
    ]);
    const jump = new CosineAnnealingWarmRestarts(sgd(1), { T0: 2, TMult: 2 });
    jump.stepTo(5);
    expect(jump.TI).toBe(4);
    expect(jump.TCur).toBe(3);
  });

  it('refuses a bad T_0 or T_mult in PyTorch wording', () => {
    expect(() => new CosineAnnealingWarmRestarts(sgd(), { T0: -1 })).toThrow(
      'Expected positive integer T_0, but got -1',
    );
    expect(() => new CosineAnnealingWarmRestarts(sgd(), { T0: 2, TMult: 0 })).toThrow(
      'Expected integer T_mult >= 1, but got 0',
    );
  });
});

describe('OneCycleLR', () => {
  it('ignores the optimizer lr and sets max_lr / div_factor and max_momentum on construction', () => {
    const opt = sgd(0.5, 0.9);
    const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    expect(opt.paramGroups[0].lr).toBeCloseTo(1 / 25, 15);
    expect(opt.paramGroups[0].initialLr).toBeCloseTo(1 / 25, 15);
    expect(momentumOf(opt)).toBe(0.95);
    expect(s.getLastLr()).toEqual([opt.paramGroups[0].lr]);
  });

  it('three_phase with linear annealing goes up, back down, then to min_lr', () => {
    const opt = sgd(0.5, 0.9);
    const s = new OneCycleLR(opt, {
      maxLr: 1,
      totalSteps: 10,
      threePhase: true,
      annealStrategy: 'linear',
      divFactor: 10,
    });
    const momentums: number[] = [];
    const lrs: number[] = [];
    for (let i = 0; i < 10; i++) {
      lrs.push(opt.paramGroups[0].lr);
      momentums.push(momentumOf(opt));
      s.step();
    }
    // Phases end at steps 2, 4 and 9.
    expectClose(lrs.slice(0, 6), [0.1, 0.55, 1, 0.55, 0.1, 0.1 + (1e-5 - 0.1) * 0.2]);
    expectClose([lrs[9]], [1e-5]);
    expectClose(momentums.slice(0, 6), [0.95, 0.9, 0.85, 0.9, 0.95, 0.95]);
  });

  it('cycles Adam betas[0] and keeps beta2', () => {
    const opt: Optimizer = new Adam([param()], { lr: 0.001, betas: [0.9, 0.99] });
    const s = new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 4 });
    expect(betasOf(opt)).toEqual([0.95, 0.99]);
    s.step();
    expect(betasOf(opt)[0]).toBeLessThan(0.95);
    expect(betasOf(opt)[1]).toBe(0.99);
  });

  it('takes epochs * steps_per_epoch and refuses stepping past total_steps', () => {
    const s = new OneCycleLR(sgd(), { maxLr: 1, epochs: 2, stepsPerEpoch: 2, cycleMomentum: false });
    expect(s.totalSteps).toBe(4);
    for (let i = 0; i < 4; i++) s.step();
    expect(() => s.step()).toThrow('Tried to step 5 times. The specified number of total steps is 4');
  });

  it('gives each group its own max_lr from a list, and checks the list length', () => {
    const opt = new SGD(
      [
        { params: [param()], lr: 0.1 },
        { params: [param()], lr: 0.01 },
      ],
      { lr: 0.1, momentum: 0.9 },
    );
    const s = new OneCycleLR(opt, { maxLr: [1, 2], totalSteps: 10 });
    expectClose(s.getLastLr(), [0.04, 0.08]);
    expect(() => new OneCycleLR(sgd(0.1, 0.9), { maxLr: [1, 2], totalSteps: 10 })).toThrow(
      'expected 1 values for max_lr, got 2',
    );
  });

  it('refuses cycle_momentum on an optimizer without momentum or betas', () => {
    const opt = new Adagrad([param()], { lr: 0.01 });
    try {
      new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).issues[0].path).toEqual(['cycle_momentum']);
    }
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, cycleMomentum: false })).not.toThrow();
  });

  it('validates its kwargs in PyTorch wording', () => {
    expect(() => new OneCycleLR(sgd(), { maxLr: 1 })).toThrow(
      'You must define either total_steps OR (epochs AND steps_per_epoch)',
    );
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 0 })).toThrow(
      'Expected positive integer total_steps, but got 0',
    );
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 1.5 })).toThrow(
      'Expected float between 0 and 1 pct_start, but got 1.5',
    );
  });
});

describe('CyclicLR', () => {
  it('sets base_lr and base momentum on construction, then cycles momentum inversely', () => {
    const opt = sgd(0.5, 0.9);
    const s = new CyclicLR(opt, {
      baseLr: 0.1,
      maxLr: 1,
      stepSizeUp: 2,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    });
    expect(opt.paramGroups[0].lr).toBe(0.1);
    expect(momentumOf(opt)).toBe(0.9);
    s.step();
    expectClose([opt.paramGroups[0].lr, momentumOf(opt)], [0.55, 0.85]);
    s.step();
    expectClose([opt.paramGroups[0].lr, momentumOf(opt)], [1, 0.8]);
  });

  it('triangular2 halves the amplitude every cycle', () => {
    const s = new CyclicLR(sgd(), {
      baseLr: 0,
      maxLr: 1,
      stepSizeUp: 1,
      mode: 'triangular2',
      cycleMomentum: false,
    });
    expectClose(lrsOver(s, 7), [0, 1, 0, 0.5, 0, 0.25, 0]);
  });

  it('needs momentum (not betas) for cycle_momentum, as in PyTorch 1.13', () => {
    expect(() => new CyclicLR(new Adam([param()]), { baseLr: 0.001, maxLr: 0.01 })).toThrow(
      'optimizer must support momentum with `cycle_momentum` option enabled',
    );
  });
});

describe('simple schedulers', () => {
  it('LinearLR and ConstantLR apply their factor on construction', () => {
    const a = sgd(1);
    new LinearLR(a);
    expect(a.paramGroups[0].lr).toBeCloseTo(1 / 3, 15);
    const b = sgd(1);
    new ConstantLR(b, { factor: 0.5 });
    expect(b.paramGroups[0].lr).toBe(0.5);
  });

  it('keeps an existing initialLr, like PyTorch setdefault', () => {
    const opt = sgd(1);
    new ConstantLR(opt, { factor: 0.5, totalIters: 1 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.1 });
    expect(opt.paramGroups[0].initialLr).toBe(1);
    expect(s.baseLrs).toEqual([1]);
  });

  it('refuses out-of-range factors in PyTorch wording', () => {
    expect(() => new LinearLR(sgd(), { startFactor: 0 })).toThrow(
      'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
    );
    expect(() => new LinearLR(sgd(), { endFactor: 1.5 })).toThrow(
      'Ending multiplicative factor expected to be between 0 and 1.',
    );
    expect(() => new ConstantLR(sgd(), { factor: 2 })).toThrow(
      'Constant multiplicative factor expected to be between 0 and 1.',
    );
    expect(() => new StepLR(sgd(), { stepSize: 0 })).toThrow(
      'Expected positive integer step_size, but got 0',
    );
  });

  it('ignores a metric passed to step()', () => {
    const s = new StepLR(sgd(1), { stepSize: 1, gamma: 0.5 });
    expect(s.needsMetric).toBe(false);
    s.step(123);
    expect(s.getLastLr()).toEqual([0.5]);
  });
});
