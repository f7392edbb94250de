import { describe, expect, it } from 'vitest';
import { SpecError, type SpecIssue } from '../../../src/engine/errors.js';
import { Adagrad } from '../../../src/engine/optim/adagrad.js';
import { Adam } from '../../../src/engine/optim/adam.js';
import type { Optimizer } from '../../../src/engine/optim/optimizer.js';
import { SGD } from '../../../src/engine/optim/sgd.js';
import {
  buildScheduler,
  ChainedScheduler,
  type LinearLR,
  type OneCycleLR,
  ReduceLROnPlateau,
  type SequentialLR,
  StepLR,
  schedulerRegistry,
  schedulerSpecSchema,
} from '../../../src/engine/schedulers/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const param = () => tensor([0], { requiresGrad: true });
const sgd = (lr = 0.1): Optimizer => new SGD([param()], { lr, momentum: 0.9 });

/** The issues of the SpecError that `fn` throws. */
function issuesOf(fn: () => unknown): SpecIssue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e.issues;
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('schedulerRegistry', () => {
  it('is a frozen map keyed by PyTorch class name', () => {
    expect(Object.isFrozen(schedulerRegistry)).toBe(true);
    expect(Object.keys(schedulerRegistry).sort()).toEqual(
      [
        'ChainedScheduler',
        'ConstantLR',
        'CosineAnnealingLR',
        'CosineAnnealingWarmRestarts',
        'CyclicLR',
        'ExponentialLR',
        'LinearLR',
        'MultiStepLR',
        'OneCycleLR',
        'PolynomialLR',
        'ReduceLROnPlateau',
        'SequentialLR',
        'StepLR',
      ].sort(),
    );
  });

  it("applies PyTorch's defaults", () => {
    expect(schedulerRegistry.StepLR.parse({ type: 'StepLR', step_size: 2 })).toEqual({
      type: 'StepLR',
      step_size: 2,
      gamma: 0.1,
    });
    expect(schedulerRegistry.LinearLR.parse({ type: 'LinearLR' })).toEqual({
      type: 'LinearLR',
      start_factor: 1 / 3,
      end_factor: 1,
      total_iters: 5,
    });
    expect(
      schedulerRegistry.OneCycleLR.parse({ type: 'OneCycleLR', max_lr: 0.1, total_steps: 10 }),
    ).toMatchObject({
      pct_start: 0.3,
      anneal_strategy: 'cos',
      cycle_momentum: true,
      base_momentum: 0.85,
      max_momentum: 0.95,
      div_factor: 25,
      final_div_factor: 1e4,
      three_phase: false,
    });
    expect(schedulerRegistry.CyclicLR.parse({ type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1 })).toMatchObject({
      step_size_up: 2000,
      step_size_down: null,
      mode: 'triangular',
      cycle_momentum: true,
    });
    expect(schedulerRegistry.ReduceLROnPlateau.parse({ type: 'ReduceLROnPlateau' })).toMatchObject({
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      threshold_mode: 'rel',
      cooldown: 0,
      min_lr: 0,
      eps: 1e-8,
    });
  });

  it('schedulerSpecSchema accepts every kind and nests sub-scheduler specs', () => {
    const spec = {
      type: 'SequentialLR',
      schedulers: [{ type: 'LinearLR' }, { type: 'ExponentialLR', gamma: 0.9 }],
      milestones: [5],
    };
    const parsed = schedulerSpecSchema.parse(spec);
    expect(parsed).toMatchObject({ schedulers: [{ start_factor: 1 / 3 }, { gamma: 0.9 }] });
    expect(schedulerSpecSchema.safeParse({ type: 'StepLR' }).success).toBe(false);
  });
});

describe('buildScheduler', () => {
  it('builds each class with the translated kwargs', () => {
    const opt = sgd();
    expect(buildScheduler({ type: 'StepLR', step_size: 2 }, opt)).toBeInstanceOf(StepLR);
    const linear = buildScheduler({ type: 'LinearLR', total_iters: 3 }, sgd()) as LinearLR;
    expect([linear.startFactor, linear.endFactor, linear.totalIters]).toEqual([1 / 3, 1, 3]);
    const cycle = buildScheduler({ type: 'OneCycleLR', max_lr: 1, epochs: 2, steps_per_epoch: 5 }, sgd());
    expect((cycle as OneCycleLR).totalSteps).toBe(10);
    expect(buildScheduler({ type: 'ReduceLROnPlateau' }, sgd())).toBeInstanceOf(ReduceLROnPlateau);
    expect(
      buildScheduler({ type: 'ChainedScheduler', schedulers: [{ type: 'StepLR', step_size: 1 }] }, sgd()),
    ).toBeInstanceOf(ChainedScheduler);
  });

  it('builds SequentialLR sub-schedulers in order on the same optimizer', () => {
    const opt = sgd(1);
    const s = buildScheduler(
      {
        type: 'SequentialLR',
        schedulers: [
          { type: 'ConstantLR', factor: 0.5, total_iters: 2 },
          { type: 'StepLR', step_size: 1, gamma: 0.5 },
        ],
        milestones: [2],
      },
      opt,
    ) as SequentialLR;
    expect(s.schedulers.map((x) => x.constructor.name)).toEqual(['ConstantLR', 'StepLR']);
    expect(s.schedulers.every((x) => x.optimizer === opt)).toBe(true);
    expect(opt.paramGroups[0].lr).toBe(0.5);
  });

  it('names an unknown type and a missing type', () => {
    const [unknown] = issuesOf(() => buildScheduler({ type: 'LambdaLR' }, sgd()));
    expect(unknown.path).toEqual(['type']);
    expect(unknown.message).toContain("unknown scheduler type 'LambdaLR'");
    expect(issuesOf(() => buildScheduler({ step_size: 2 }, sgd()))[0].path).toEqual(['type']);
  });

  it('rejects unknown kwargs (strict), naming them', () => {
    const [issue] = issuesOf(() => buildScheduler({ type: 'StepLR', step_size: 2, last_epoch: 3 }, sgd()));
    expect(issue.message).toContain('last_epoch');
  });

  it('names ill-typed and non-finite fields', () => {
    expect(issuesOf(() => buildScheduler({ type: 'StepLR', step_size: '2' }, sgd()))[0].path).toEqual([
      'step_size',
    ]);
    expect(
      issuesOf(() => buildScheduler({ type: 'ExponentialLR', gamma: Number.POSITIVE_INFINITY }, sgd()))[0]
        .path,
    ).toEqual(['gamma']);
  });

  it("reports range errors with PyTorch's wording and the field's path", () => {
    const cases: [unknown, string, string][] = [
      [{ type: 'CosineAnnealingWarmRestarts', T_0: -1 }, 'T_0', 'Expected positive integer T_0, but got -1'],
      [
        { type: 'CosineAnnealingWarmRestarts', T_0: 2, T_mult: 0.5 },
        'T_mult',
        'Expected integer T_mult >= 1, but got 0.5',
      ],
      [{ type: 'StepLR', step_size: 0 }, 'step_size', 'Expected positive integer step_size, but got 0'],
      [{ type: 'CosineAnnealingLR', T_max: 2.5 }, 'T_max', 'Expected positive integer T_max, but got 2.5'],
      [
        { type: 'LinearLR', start_factor: 0 },
        'start_factor',
        'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
      ],
      [
        { type: 'ConstantLR', factor: 1.5 },
        'factor',
        'Constant multiplicative factor expected to be between 0 and 1.',
      ],
      [
        { type: 'OneCycleLR', max_lr: 1 },
        'epochs',
        'You must define either total_steps OR (epochs AND steps_per_epoch)',
      ],
      [
        { type: 'OneCycleLR', max_lr: 1, total_steps: 10, pct_start: 2 },
        'pct_start',
        'Expected float between 0 and 1 pct_start, but got 2',
      ],
      [
        { type: 'OneCycleLR', max_lr: 1, total_steps: 10, anneal_strategy: 'exp' },
        'anneal_strategy',
        "anneal_strategy must by one of 'cos' or 'linear', instead got exp",
      ],
      [
        { type: 'CyclicLR', base_lr: 0.1, max_lr: 1, mode: 'sine' },
        'mode',
        'mode is invalid and scale_fn is None',
      ],
      [{ type: 'ReduceLROnPlateau', factor: 1 }, 'factor', 'Factor should be < 1.0.'],
      [{ type: 'ReduceLROnPlateau', mode: 'avg' }, 'mode', 'mode avg is unknown!'],
      [
        { type: 'ReduceLROnPlateau', threshold_mode: 'pct' },
        'threshold_mode',
        'threshold mode pct is unknown!',
      ],
      [
        { type: 'SequentialLR', schedulers: [{ type: 'StepLR', step_size: 1 }], milestones: [3] },
        'milestones',
        'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1',
      ],
      [
        { type: 'ChainedScheduler', schedulers: [] },
        'schedulers',
        'ChainedScheduler expects at least one scheduler',
      ],
    ];
    for (const [spec, path, message] of cases) {
      expect(issuesOf(() => buildScheduler(spec, sgd()))).toEqual([{ path: [path], message }]);
      // The schema alone reports the same issue, before any optimizer exists.
      const result = schedulerSpecSchema.safeParse(spec);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.message)).toContain(message);
    }
  });

  it('names nested fields of sub-schedulers, under the given prefix', () => {
    const spec = {
      type: 'SequentialLR',
      schedulers: [{ type: 'LinearLR' }, { type: 'CosineAnnealingLR', T_max: 0 }],
      milestones: [2],
    };
    expect(issuesOf(() => buildScheduler(spec, sgd(), ['scheduler']))).toEqual([
      {
        path: ['scheduler', 'schedulers', 1, 'T_max'],
        message: 'Expected positive integer T_max, but got 0',
      },
    ]);
    const nestedPlateau = { type: 'ChainedScheduler', schedulers: [{ type: 'ReduceLROnPlateau' }] };
    const [issue] = issuesOf(() => buildScheduler(nestedPlateau, sgd()));
    expect(issue.path).toEqual(['schedulers', 0, 'type']);
    expect(issue.message).toContain('ReduceLROnPlateau cannot be wrapped');
  });

  it('reports optimizer-dependent errors at construction with the field path', () => {
    expect(
      issuesOf(() =>
        buildScheduler({ type: 'OneCycleLR', max_lr: [1, 2], total_steps: 5 }, sgd(), ['scheduler']),
      ),
    ).toEqual([{ path: ['scheduler', 'max_lr'], message: 'expected 1 values for max_lr, got 2' }]);
    const nested = {
      type: 'SequentialLR',
      schedulers: [{ type: 'LinearLR' }, { type: 'CyclicLR', base_lr: 0.001, max_lr: 0.01 }],
      milestones: [3],
    };
    expect(issuesOf(() => buildScheduler(nested, new Adam([param()])))).toEqual([
      {
        path: ['schedulers', 1, 'cycle_momentum'],
        message: 'optimizer must support momentum with `cycle_momentum` option enabled',
      },
    ]);
    expect(
      issuesOf(() =>
        buildScheduler({ type: 'OneCycleLR', max_lr: 1, total_steps: 5 }, new Adagrad([param()])),
      )[0].path,
    ).toEqual(['cycle_momentum']);
  });
});
