import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  NAdam,
  RAdam,
  RMSprop,
  Rprop,
  SGD,
} from '../../../src/engine/optim/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const w = () => tensor([1, 2, 3], { requiresGrad: true });

function specErrorOf(build: () => unknown): SpecError {
  try {
    build();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('optimizer hyperparameter validation (PyTorch wording, snake_case paths)', () => {
  it.each([
    ['SGD lr', () => new SGD([w()], { lr: -1 }), ['lr'], 'Invalid learning rate: -1'],
    ['SGD NaN lr', () => new SGD([w()], { lr: Number.NaN }), ['lr'], 'Invalid learning rate: NaN'],
    [
      'SGD momentum',
      () => new SGD([w()], { lr: 0.1, momentum: -1 }),
      ['momentum'],
      'Invalid momentum value: -1',
    ],
    [
      'SGD weight_decay',
      () => new SGD([w()], { lr: 0.1, weightDecay: -1 }),
      ['weight_decay'],
      'Invalid weight_decay value: -1',
    ],
    [
      'SGD nesterov without momentum',
      () => new SGD([w()], { lr: 0.1, nesterov: true }),
      ['nesterov'],
      'Nesterov momentum requires a momentum and zero dampening',
    ],
    [
      'SGD nesterov with dampening',
      () => new SGD([w()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      ['nesterov'],
      'Nesterov momentum requires a momentum and zero dampening',
    ],
    ['Adam lr', () => new Adam([w()], { lr: -1 }), ['lr'], 'Invalid learning rate: -1'],
    ['Adam eps', () => new Adam([w()], { eps: -1 }), ['eps'], 'Invalid epsilon value: -1'],
    [
      'Adam beta 0',
      () => new Adam([w()], { betas: [1.5, 0.999] }),
      ['betas', 0],
      'Invalid beta parameter at index 0: 1.5',
    ],
    [
      'Adam beta 1',
      () => new Adam([w()], { betas: [0.9, 1] }),
      ['betas', 1],
      'Invalid beta parameter at index 1: 1',
    ],
    [
      'Adam weight_decay',
      () => new Adam([w()], { weightDecay: -1 }),
      ['weight_decay'],
      'Invalid weight_decay value: -1',
    ],
    [
      'AdamW weight_decay',
      () => new AdamW([w()], { weightDecay: -0.5 }),
      ['weight_decay'],
      'Invalid weight_decay value: -0.5',
    ],
    [
      'AdamW beta',
      () => new AdamW([w()], { betas: [-0.1, 0.9] }),
      ['betas', 0],
      'Invalid beta parameter at index 0: -0.1',
    ],
    [
      'Adagrad lr_decay',
      () => new Adagrad([w()], { lrDecay: -1 }),
      ['lr_decay'],
      'Invalid lr_decay value: -1',
    ],
    [
      'Adagrad initial_accumulator_value',
      () => new Adagrad([w()], { initialAccumulatorValue: -1 }),
      ['initial_accumulator_value'],
      'Invalid initial_accumulator_value value: -1',
    ],
    ['Adagrad eps', () => new Adagrad([w()], { eps: -1 }), ['eps'], 'Invalid epsilon value: -1'],
    ['RMSprop alpha', () => new RMSprop([w()], { alpha: -1 }), ['alpha'], 'Invalid alpha value: -1'],
    [
      'RMSprop momentum',
      () => new RMSprop([w()], { momentum: -1 }),
      ['momentum'],
      'Invalid momentum value: -1',
    ],
    ['Adadelta rho', () => new Adadelta([w()], { rho: 1.5 }), ['rho'], 'Invalid rho value: 1.5'],
    ['Adadelta lr', () => new Adadelta([w()], { lr: -1 }), ['lr'], 'Invalid learning rate: -1'],
    [
      'Adamax beta',
      () => new Adamax([w()], { betas: [0.9, 2] }),
      ['betas', 1],
      'Invalid beta parameter at index 1: 2',
    ],
    [
      'NAdam momentum_decay',
      () => new NAdam([w()], { momentumDecay: -1 }),
      ['momentum_decay'],
      'Invalid momentum_decay value: -1',
    ],
    ['RAdam eps', () => new RAdam([w()], { eps: -1 }), ['eps'], 'Invalid epsilon value: -1'],
    ['Rprop etas', () => new Rprop([w()], { etas: [1.5, 1.2] }), ['etas'], 'Invalid eta values: 1.5, 1.2'],
    ['Rprop lr', () => new Rprop([w()], { lr: -0.1 }), ['lr'], 'Invalid learning rate: -0.1'],
  ] as const)('%s', (_name, build, path, message) => {
    const error = specErrorOf(build);
    expect(error.issues).toEqual([{ path, message }]);
  });

  it('reports every failed check at once', () => {
    const error = specErrorOf(() => new Adam([w()], { lr: -1, betas: [1, 1] }));
    expect(error.issues.map((i) => i.path)).toEqual([['lr'], ['betas', 0], ['betas', 1]]);
  });

  it('checks each parameter group and the defaults', () => {
    expect(() => new Adam([{ params: [w()], lr: -1 }])).toThrow('Invalid learning rate: -1');
    // PyTorch validates the constructor's defaults even when every group overrides them.
    expect(() => new Adam([{ params: [w()], lr: 0.1 }], { lr: -1 })).toThrow('Invalid learning rate: -1');
  });

  it('rejects an empty parameter list and a parameter in two groups', () => {
    expect(specErrorOf(() => new SGD([], { lr: 0.1 })).issues).toEqual([
      { path: ['params'], message: 'optimizer got an empty parameter list' },
    ]);
    const p = w();
    expect(() => new SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 })).toThrow(
      'some parameters appear in more than one parameter group',
    );
  });

  it('rejects a gradient whose size differs from its parameter', () => {
    const p = w();
    const opt = new SGD([p], { lr: 0.1 });
    p.grad = tensor([1, 2]);
    expect(() => opt.step()).toThrow(RangeError);
  });
});
