import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, buildOptimizer, type Optimizer, SGD } from '../../../src/engine/optim/index.js';
import { Generator } from '../../../src/engine/random.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';

function randomData(gen: Generator, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => gen.normal());
}

function makeParams(gen: Generator): [string, Tensor][] {
  return [
    ['w', tensor(randomData(gen, 12), { shape: [3, 4], requiresGrad: true })],
    ['b', tensor(randomData(gen, 3), { shape: [3], requiresGrad: true })],
  ];
}

/** One step's gradients; `b` has none on some steps, to exercise lazy state and skipped steps. */
function gradients(gen: Generator, step: number): [Float32Array, Float32Array | null] {
  const w = randomData(gen, 12);
  const b = randomData(gen, 3);
  return [w, step % 3 === 0 ? null : b];
}

function applyStep(
  opt: Optimizer,
  params: [string, Tensor][],
  grads: [Float32Array, Float32Array | null],
): void {
  params.forEach(([, p], i) => {
    const g = grads[i];
    p.grad = g === null ? null : tensor(g.slice(), { shape: p.shape });
  });
  opt.step();
}

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('zeroGrad', () => {
  it('sets grads to null by default (PyTorch 2 behaviour)', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { requiresGrad: true });
    p.grad = tensor([0.5, -0.5]);
    const opt = new SGD([p, q], { lr: 0.1 });
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    expect(q.grad).toBeNull();
  });

  it('fills grads with zeros with setToNone: false, leaving missing grads null', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { requiresGrad: true });
    const grad = tensor([0.5, -0.5]);
    p.grad = grad;
    const opt = new SGD([p, q], { lr: 0.1 });
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(grad);
    expect(Array.from(grad.data)).toEqual([0, 0]);
    expect(q.grad).toBeNull();
  });

  it('a zero grad is a real step but a null grad is skipped', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { requiresGrad: true });
    const opt = new Adam([p, q], { lr: 0.1 });
    p.grad = tensor([1, 1]);
    q.grad = tensor([1]);
    opt.step();
    opt.zeroGrad({ setToNone: false });
    q.grad = null;
    const qBefore = q.data.slice();
    opt.step();
    expect(opt.state.get(p)?.step).toBe(2);
    expect(opt.state.get(q)?.step).toBe(1);
    expect(q.data).toEqual(qBefore);
  });
});

describe('state', () => {
  it('is created lazily at the first non-null grad (Adagrad: eagerly, as in PyTorch)', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const adam = new Adam([p]);
    expect(adam.state.size).toBe(0);
    const q = tensor([1, 2], { requiresGrad: true });
    const adagrad = new Adagrad([q], { initialAccumulatorValue: 0.5 });
    expect(adagrad.stateDict().state).toEqual({ 0: { step: 0, sum: [0.5, 0.5] } });
  });

  it('gives each group its own copy of tuple hyperparameters', () => {
    const opt = new Adam([{ params: [tensor([1])] }, { params: [tensor([2])] }]);
    opt.paramGroups[0].betas[0] = 0.5;
    expect(opt.paramGroups[1].betas[0]).toBe(0.9);
    expect(opt.defaults.betas[0]).toBe(0.9);
    expect(new Adam([tensor([3])]).paramGroups[0].betas[0]).toBe(0.9);
  });
});

describe('stateDict / loadStateDict', () => {
  it.each(
    [
      { type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01 },
      { type: 'SGD', lr: 0.1, momentum: 0.5, dampening: 0.2, maximize: true },
      { type: 'Adam', lr: 0.01, amsgrad: true, weight_decay: 0.1 },
      { type: 'AdamW', lr: 0.01, betas: [0.8, 0.95] },
      { type: 'Adagrad', lr: 0.1, lr_decay: 0.05, initial_accumulator_value: 0.1 },
      { type: 'RMSprop', lr: 0.01, momentum: 0.5, centered: true, weight_decay: 0.01 },
      { type: 'Adadelta', rho: 0.95 },
      { type: 'Adamax', lr: 0.02 },
      { type: 'NAdam', lr: 0.02, momentum_decay: 0.01 },
      { type: 'RAdam', lr: 0.02 },
      { type: 'Rprop', lr: 0.01, step_sizes: [0.001, 0.05] },
    ].map((spec) => [JSON.stringify(spec), spec] as const),
  )('%s: a restored optimizer continues bitwise identically', (_name, spec) => {
    const gen = new Generator(7);
    const params = makeParams(gen);
    const steps = Array.from({ length: 10 }, (_, i) => gradients(gen, i));
    const original = buildOptimizer(spec, params);
    for (const g of steps.slice(0, 5)) applyStep(original, params, g);
    original.paramGroups[0].lr *= 0.5; // as a scheduler would

    // Save through JSON, as a checkpoint would, and restore into a fresh optimizer.
    const saved = JSON.parse(JSON.stringify(original.stateDict()));
    const copies: [string, Tensor][] = params.map(([n, p]) => [
      n,
      tensor(p.data.slice(), { shape: p.shape }),
    ]);
    const restored = buildOptimizer(spec, copies);
    restored.loadStateDict(saved);
    expect(restored.paramGroups[0].lr).toBe(original.paramGroups[0].lr);
    expect(restored.stateDict()).toEqual(original.stateDict());

    for (const g of steps.slice(5)) {
      applyStep(original, params, g);
      applyStep(restored, copies, g);
    }
    params.forEach(([, p], i) => {
      expect(bytes(copies[i][1]).equals(bytes(p))).toBe(true);
    });
    expect(restored.stateDict()).toEqual(original.stateDict());
  });

  it('has PyTorch’s shape: state by parameter index, snake_case keys, groups with params indices', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { requiresGrad: true });
    const opt = new Adam([{ params: [p] }, { params: [q], lr: 0.01 }], { weightDecay: 0.1 });
    p.grad = tensor([1, 1]);
    opt.step();
    const dict = opt.stateDict();
    expect(Object.keys(dict.state)).toEqual(['0']);
    expect(Object.keys(dict.state[0]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(dict.param_groups[1]).toMatchObject({ params: [1], lr: 0.01, weight_decay: 0.1 });
  });

  it('names the key on a size mismatch', () => {
    const opt = new Adam([tensor([1, 2], { requiresGrad: true })]);
    const dict = {
      state: { 0: { step: 1, exp_avg: [1], exp_avg_sq: [1, 1] } },
      param_groups: opt.stateDict().param_groups,
    };
    expect(() => opt.loadStateDict(dict)).toThrow('exp_avg: expected 2 values, got 1');
  });
});
