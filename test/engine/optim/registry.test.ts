import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import {
  Adadelta,
  Adam,
  AdamW,
  buildOptimizer,
  optimizerRegistry,
  optimizerSpecSchema,
  SGD,
} from '../../../src/engine/optim/index.js';
import { parseTyped } from '../../../src/engine/spec-parse.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';

const named = (): [string, Tensor][] => [
  [
    'w',
    tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    ),
  ],
  ['b', tensor([0.5, -0.5], { requiresGrad: true })],
];

function issuesOf(build: () => unknown): SpecError['issues'] {
  try {
    build();
  } catch (e) {
    if (e instanceof SpecError) return e.issues;
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('optimizerRegistry', () => {
  it('is frozen and keyed by PyTorch class name', () => {
    expect(Object.isFrozen(optimizerRegistry)).toBe(true);
    expect(Object.keys(optimizerRegistry).sort()).toEqual(
      ['Adadelta', 'Adagrad', 'Adam', 'AdamW', 'Adamax', 'NAdam', 'RAdam', 'RMSprop', 'Rprop', 'SGD'].sort(),
    );
  });

  it.each([
    [{ type: 'Adam' }, { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false }],
    [
      { type: 'AdamW', lr: 0.05 },
      { lr: 0.05, weight_decay: 0.01 },
    ],
    [{ type: 'Adadelta' }, { lr: 1.0, rho: 0.9, eps: 1e-6, weight_decay: 0 }],
    [{ type: 'Adagrad' }, { lr: 0.01, lr_decay: 0, initial_accumulator_value: 0, eps: 1e-10 }],
    [{ type: 'RMSprop' }, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false }],
    [{ type: 'Adamax' }, { lr: 0.002, betas: [0.9, 0.999] }],
    [{ type: 'NAdam' }, { lr: 0.002, momentum_decay: 0.004 }],
    [{ type: 'RAdam' }, { lr: 0.001 }],
    [{ type: 'Rprop' }, { lr: 0.01, etas: [0.5, 1.2], step_sizes: [1e-6, 50], maximize: false }],
    [
      { type: 'SGD', lr: 0.1 },
      { momentum: 0, dampening: 0, weight_decay: 0, nesterov: false },
    ],
  ])('applies PyTorch defaults to %j', (spec, expected) => {
    expect(parseTyped(optimizerRegistry, spec, 'optimizer')).toMatchObject(expected);
    expect(optimizerSpecSchema.parse(spec)).toMatchObject(expected);
  });
});

describe('spec errors name the field', () => {
  it.each([
    ['unknown type', { type: 'Adamm' }, ['type'], /unknown optimizer type 'Adamm'/],
    ['missing type', { lr: 0.1 }, ['type'], /needs a "type"/],
    ['unknown kwarg', { type: 'Adam', weight_decai: 0.1 }, ['weight_decai'], /weight_decai/],
    ['wrong type', { type: 'Adam', lr: 'fast' }, ['lr'], /expected number/],
    ['non-finite number', { type: 'Adam', lr: Number.POSITIVE_INFINITY }, ['lr'], /./],
    ['short tuple', { type: 'Adam', betas: [0.9] }, ['betas'], /./],
    [
      'out-of-range beta',
      { type: 'Adam', betas: [1.5, 0.999] },
      ['betas', 0],
      /^Invalid beta parameter at index 0: 1.5$/,
    ],
    ['negative lr', { type: 'RMSprop', lr: -1 }, ['lr'], /^Invalid learning rate: -1$/],
    [
      'AdamW weight_decay',
      { type: 'AdamW', weight_decay: -1 },
      ['weight_decay'],
      /^Invalid weight_decay value: -1$/,
    ],
    ['bad etas', { type: 'Rprop', etas: [0.5, 0.9] }, ['etas'], /^Invalid eta values: 0.5, 0.9$/],
    [
      'nesterov without momentum',
      { type: 'SGD', lr: 0.1, nesterov: true },
      ['nesterov'],
      /^Nesterov momentum requires a momentum and zero dampening$/,
    ],
    ['SGD without lr (required in PyTorch 1.13)', { type: 'SGD' }, ['lr'], /SGD requires lr/],
    ['not an object', 'Adam', [], /must be an object/],
  ])('%s', (_name, spec, path, message) => {
    const issues = issuesOf(() => buildOptimizer(spec, [tensor([1])]));
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toEqual(path);
    expect(issues[0].message).toMatch(message);
  });
});

describe('buildOptimizer', () => {
  it('builds the class with camelCase options from snake_case kwargs', () => {
    const opt = buildOptimizer({ type: 'AdamW', lr: 0.05, weight_decay: 0.1, amsgrad: true }, named());
    expect(opt).toBeInstanceOf(AdamW);
    expect(opt.paramGroups[0]).toMatchObject({
      lr: 0.05,
      weightDecay: 0.1,
      amsgrad: true,
      betas: [0.9, 0.999],
    });
    expect(opt.paramGroups[0].params).toHaveLength(2);
    expect(buildOptimizer({ type: 'Adadelta' }, named()).paramGroups[0].lr).toBe(1.0);
    expect(buildOptimizer({ type: 'Adadelta' }, named())).toBeInstanceOf(Adadelta);
  });

  it('accepts plain tensors as well as named parameters', () => {
    const opt = buildOptimizer({ type: 'SGD', lr: 0.1, momentum: 0.9 }, [tensor([1, 2])]);
    expect(opt).toBeInstanceOf(SGD);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, weightDecay: 0 });
  });

  it('accepts an already parsed spec (defaults applied)', () => {
    const spec = parseTyped(optimizerRegistry, { type: 'Adam', lr: 0.01 }, 'optimizer');
    expect(buildOptimizer(spec, named()).paramGroups[0].lr).toBe(0.01);
  });

  it('builds parameter groups whose kwargs override the spec', () => {
    const params = named();
    const opt = buildOptimizer({ type: 'Adam', lr: 0.01, betas: [0.8, 0.99] }, params, [
      { params: ['w'], lr: 0.05 },
      { params: ['b'], lr: 0.005, weight_decay: 0.1 },
    ]);
    expect(opt).toBeInstanceOf(Adam);
    expect(opt.defaults).toMatchObject({ lr: 0.01, betas: [0.8, 0.99], weightDecay: 0 });
    expect(opt.paramGroups).toHaveLength(2);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.05, betas: [0.8, 0.99], weightDecay: 0 });
    expect(opt.paramGroups[0].params).toEqual([params[0][1]]);
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.005, betas: [0.8, 0.99], weightDecay: 0.1 });
    expect(opt.paramGroups[1].params).toEqual([params[1][1]]);
  });

  it('optimizes only the parameters the groups name, as PyTorch does', () => {
    const params = named();
    const opt = buildOptimizer({ type: 'SGD', lr: 0.1 }, params, [{ params: ['b'] }]);
    expect(opt.paramGroups.flatMap((g) => g.params)).toEqual([params[1][1]]);
  });

  it.each([
    ['unknown name', [{ params: ['x'] }], ['param_groups', 0, 'params', 0], /unknown parameter 'x'/],
    [
      'name in two groups',
      [{ params: ['w'] }, { params: ['w', 'b'] }],
      ['param_groups', 1, 'params', 0],
      /more than one parameter group/,
    ],
    [
      'out-of-range override',
      [{ params: ['w'] }, { params: ['b'], lr: -1 }],
      ['param_groups', 1, 'lr'],
      /^Invalid learning rate: -1$/,
    ],
    ['ill-typed override', [{ params: ['w'], betas: 'x' }], ['param_groups', 0, 'betas'], /./],
    ['unknown override', [{ params: ['w'], momentum: 0.9 }], ['param_groups', 0, 'momentum'], /momentum/],
    ['type override', [{ params: ['w'], type: 'SGD' }], ['param_groups', 0, 'type'], /cannot change/],
    ['missing params', [{ lr: 0.1 }], ['param_groups', 0, 'params'], /./],
    ['not a list', { params: ['w'] }, ['param_groups'], /./],
  ])('param_groups errors: %s', (_name, groups, path, message) => {
    const issues = issuesOf(() => buildOptimizer({ type: 'Adam' }, named(), groups));
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toEqual(path);
    expect(issues[0].message).toMatch(message);
  });

  it('needs named parameters for param_groups', () => {
    expect(issuesOf(() => buildOptimizer({ type: 'Adam' }, [tensor([1])], [{ params: ['w'] }]))).toEqual([
      { path: ['param_groups'], message: 'param_groups name parameters, so the parameters must be named' },
    ]);
  });
});
