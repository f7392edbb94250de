import { describe, expect, it } from 'vitest';
import '../../src/engine/tensor-methods.js';
import { Generator } from '../../src/engine/random.js';
import { noGrad, Tensor, tensor, zeros } from '../../src/engine/tensor.js';
import { gradcheck } from '../helpers/gradcheck.js';

describe('Tensor and autograd', () => {
  it('sums the gradients of a node reached along several paths, and a failed backward leaves nothing behind', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const h = w.mul(w); // used twice below
    h.add(h.mul(2)).sum().backward(); // d/dw 3w² = 6w
    expect(Array.from(w.grad!.data)).toEqual([6, 12, 18]);

    const boom = Tensor.fromOp(new Float32Array([0]), [], [h], () => {
      throw new Error('boom');
    });
    expect(() => boom.add(h.sum()).backward()).toThrow('boom');
    w.grad = null;
    h.sum().backward(); // no gradient left over from the failed pass: d/dw w² = 2w
    expect(Array.from(w.grad!.data)).toEqual([2, 4, 6]);
  });

  it('accumulates .grad across backward calls like PyTorch', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    w.mul(w).sum().backward(); // d/dw sum(w²) = 2w
    expect(w.grad?.toArray()).toEqual([2, 4, 6]);
    w.mul(3).sum().backward();
    expect(w.grad?.toArray()).toEqual([5, 7, 9]);
  });

  it('sums gradients of a tensor used twice in one graph', () => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.mul(x).add(x.mul(4)); // y = x² + 4x, dy/dx = 2x + 4
    y.sum().backward();
    expect(x.grad?.item()).toBe(8);
  });

  it('records nothing under noGrad and after detach', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const out = noGrad(() => w.mul(2));
    expect(out.requiresGrad).toBe(false);
    expect(w.detach().requiresGrad).toBe(false);
    expect(() => out.sum().backward()).toThrow(/does not require grad/);
  });

  it('refuses implicit gradients for non-scalar outputs', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => w.mul(2).backward()).toThrow(/scalar outputs/);
  });

  it('gives no grad to tensors that do not require it', () => {
    const x = tensor([1, 2]);
    const w = tensor([3, 4], { requiresGrad: true });
    x.mul(w).sum().backward();
    expect(x.grad).toBeNull();
    expect(w.grad?.toArray()).toEqual([1, 2]);
  });

  it('handles deep graphs without overflowing the stack', () => {
    const x = tensor([1], { requiresGrad: true });
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = y.add(1);
    y.sum().backward();
    expect(x.grad?.item()).toBe(1);
  });

  it('builds from nested arrays and rejects ragged ones', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).shape,
    ).toEqual([2, 2]);
    expect(tensor(5).shape).toEqual([]);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    // The message names where: the indices of the offending array or element.
    expect(() =>
      tensor([
        [[1], [2]],
        [[3], [4, 5]],
      ]),
    ).toThrow('tensor[1][1]: ragged nested array (expected length 1)');
    expect(() =>
      tensor([
        [1, 2],
        [3, 'a' as unknown as number],
      ]),
    ).toThrow('tensor[1][1]: expected a number');
    expect(zeros([2, 3]).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('the gradient check catches a wrong backward', () => {
    const wrongSquare = (a: Tensor) =>
      Tensor.fromOp(
        a.data.map((v) => v * v),
        a.shape,
        [a],
        (g) => [g.map((v, i) => v * a.data[i])],
      ); // missing factor 2
    const { maxError } = gradcheck(wrongSquare, [tensor([0.5, 1, 1.5])]);
    expect(maxError).toBeGreaterThan(0);
  });
});

describe('Generator', () => {
  it('is deterministic per seed and restorable from its state', () => {
    const a = new Generator(42);
    const b = new Generator(42);
    const first = [a.random(), a.normal(), a.randint(10)];
    expect([b.random(), b.normal(), b.randint(10)]).toEqual(first);
    const state = a.getState();
    const next = [a.random(), a.random()];
    const c = new Generator(0).setState(state);
    expect([c.random(), c.random()]).toEqual(next);
    expect(new Generator(43).random()).not.toBe(new Generator(42).random());
  });

  it('draws uniforms in [0, 1) with the right mean and a true permutation', () => {
    const g = new Generator(7);
    let sum = 0;
    for (let i = 0; i < 100000; i++) {
      const u = g.random();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(sum / 100000).toBeCloseTo(0.5, 2);
    const p = Array.from(g.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('draws standard normals', () => {
    const g = new Generator(3);
    const xs = Array.from({ length: 50000 }, () => g.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });
});
