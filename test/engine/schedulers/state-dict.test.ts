import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import { Adam } from '../../../src/engine/optim/adam.js';
import type { Optimizer, OptimizerStateDict } from '../../../src/engine/optim/optimizer.js';
import { SGD } from '../../../src/engine/optim/sgd.js';
import {
  buildScheduler,
  CosineAnnealingWarmRestarts,
  type LRScheduler,
  ReduceLROnPlateau,
  type SchedulerStateDict,
  StepLR,
} from '../../../src/engine/schedulers/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const param = () => tensor([0], { requiresGrad: true });
const makeSGD = (): Optimizer => new SGD([param()], { lr: 0.1, momentum: 0.9 });
const makeAdam = (): Optimizer => new Adam([param()], { lr: 0.01 });

/** Per epoch: [lr, momentum or beta1], read before the scheduler steps. */
function record(opt: Optimizer, s: LRScheduler, from: number, to: number, metric: (i: number) => number) {
  const out: number[][] = [];
  for (let i = from; i < to; i++) {
    const g = opt.paramGroups[0] as unknown as { lr: number; momentum?: number; betas?: number[] };
    out.push([g.lr, g.momentum ?? g.betas?.[0] ?? 0]);
    s.step(metric(i));
  }
  return out;
}

const metric = (i: number) => [5, 4, 4.5, 4.5, 4.2, 4.4, 4.6, 3, 3.1, 3.2, 3.3, 3.4][i % 12];

const specs: [string, unknown, () => Optimizer][] = [
  ['StepLR', { type: 'StepLR', step_size: 3, gamma: 0.5 }, makeSGD],
  ['CosineAnnealingLR', { type: 'CosineAnnealingLR', T_max: 4, eta_min: 0.001 }, makeSGD],
  ['CosineAnnealingWarmRestarts', { type: 'CosineAnnealingWarmRestarts', T_0: 2, T_mult: 2 }, makeSGD],
  ['OneCycleLR (SGD momentum)', { type: 'OneCycleLR', max_lr: 1, total_steps: 12 }, makeSGD],
  [
    'OneCycleLR (Adam betas)',
    { type: 'OneCycleLR', max_lr: 0.1, total_steps: 12, three_phase: true },
    makeAdam,
  ],
  [
    'CyclicLR',
    { type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1, step_size_up: 2, mode: 'exp_range', gamma: 0.9 },
    makeSGD,
  ],
  ['ReduceLROnPlateau', { type: 'ReduceLROnPlateau', patience: 1, factor: 0.5, cooldown: 1 }, makeSGD],
  [
    'SequentialLR',
    {
      type: 'SequentialLR',
      schedulers: [
        { type: 'LinearLR', start_factor: 0.1, total_iters: 3 },
        { type: 'CosineAnnealingLR', T_max: 5 },
      ],
      milestones: [4],
    },
    makeSGD,
  ],
  [
    'ChainedScheduler',
    {
      type: 'ChainedScheduler',
      schedulers: [
        { type: 'ConstantLR', factor: 0.5, total_iters: 3 },
        { type: 'ExponentialLR', gamma: 0.9 },
      ],
    },
    makeSGD,
  ],
];

describe('stateDict / loadStateDict', () => {
  it.each(specs)(
    '%s restored mid-run (through JSON) continues with identical lrs',
    (_name, spec, makeOpt) => {
      const total = 12;
      const opt = makeOpt();
      const reference = record(opt, buildScheduler(spec, opt), 0, total, metric);

      for (const split of [0, 1, 5, 9]) {
        const optA = makeOpt();
        const a = buildScheduler(spec, optA);
        const before = record(optA, a, 0, split, metric);
        const saved = JSON.parse(
          JSON.stringify({ optimizer: optA.stateDict(), scheduler: a.stateDict() }),
        ) as {
          optimizer: OptimizerStateDict;
          scheduler: SchedulerStateDict;
        };
        // As PyTorch advises: build the scheduler first (which changes the lr), then load both.
        const optB = makeOpt();
        const b = buildScheduler(spec, optB);
        optB.loadStateDict(saved.optimizer);
        b.loadStateDict(saved.scheduler);
        const after = record(optB, b, split, total, metric);
        expect([...before, ...after]).toEqual(reference);
        expect(b.getLastLr()).toEqual(buildSchedulerLastLr(spec, makeOpt, total));
      }
    },
  );

  it('uses PyTorch-style snake_case keys', () => {
    const s = new CosineAnnealingWarmRestarts(makeSGD(), { T0: 3 });
    expect(Object.keys(s.stateDict()).sort()).toEqual(
      ['T_0', 'T_cur', 'T_i', 'T_mult', 'base_lrs', 'eta_min', 'last_epoch', 'last_lr', 'step_count'].sort(),
    );
    const step = new StepLR(makeSGD(), { stepSize: 2 }).stateDict();
    expect(step).toMatchObject({ step_size: 2, gamma: 0.1, last_epoch: 0, base_lrs: [0.1] });
  });

  it('reads back the infinite best of a fresh ReduceLROnPlateau that went through JSON', () => {
    const s = new ReduceLROnPlateau(makeSGD(), { mode: 'max' });
    const restored = new ReduceLROnPlateau(makeSGD(), { mode: 'max' });
    restored.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect(restored.best).toBe(Number.NEGATIVE_INFINITY);
  });

  it('names an unknown key', () => {
    const s = new StepLR(makeSGD(), { stepSize: 2 });
    try {
      s.loadStateDict({ last_epoch: 3, stepsize: 2 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).issues[0]).toEqual({
        path: ['stepsize'],
        message: "unexpected key 'stepsize' in StepLR state dict",
      });
    }
  });

  it('returns copies: changing a saved dict does not change the scheduler', () => {
    const s = new StepLR(makeSGD(), { stepSize: 2 });
    const dict = s.stateDict();
    (dict.base_lrs as number[])[0] = 42;
    expect(s.baseLrs).toEqual([0.1]);
  });
});

function buildSchedulerLastLr(spec: unknown, makeOpt: () => Optimizer, total: number): number[] {
  const opt = makeOpt();
  const s = buildScheduler(spec, opt);
  record(opt, s, 0, total, metric);
  return s.getLastLr();
}
