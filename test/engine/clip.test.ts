import { describe, expect, it } from 'vitest';
import { clipGradNorm_, clipGradValue_, gradClipSchema } from '../../src/engine/clip.js';
import { type NestedArray, type Tensor, tensor } from '../../src/engine/tensor.js';

/** A parameter whose grad is `grad` (null = no grad). */
function withGrad(grad: NestedArray | null): Tensor {
  const p = tensor(grad ?? [0], { requiresGrad: true });
  p.grad = grad === null ? null : tensor(grad);
  return p;
}

const gradOf = (p: Tensor) => (p.grad === null ? null : Array.from(p.grad.data));

describe('clipGradNorm_', () => {
  it('scales every gradient by max_norm / (total_norm + 1e-6) and returns the norm before clipping', () => {
    const w = withGrad([[3, 0]]);
    const b = withGrad([4]);
    const total = clipGradNorm_([w, b], 1);
    expect(total).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(gradOf(w)).toEqual([Math.fround(3 * coef), 0]);
    expect(gradOf(b)).toEqual([Math.fround(4 * coef)]);
  });

  it('leaves gradients unchanged below the threshold', () => {
    const w = withGrad([0.1, -0.2, 0.3]);
    const before = gradOf(w);
    expect(clipGradNorm_([w], 10)).toBeCloseTo(Math.sqrt(0.14), 6);
    expect(gradOf(w)).toEqual(before);
  });

  it('leaves out null grads, which stay null', () => {
    const w = withGrad([6, 8]);
    const none = withGrad(null);
    expect(clipGradNorm_([w, none], 5)).toBe(10);
    expect(none.grad).toBeNull();
    expect(gradOf(w)?.map((v) => Number(v.toFixed(5)))).toEqual([3, 4]);
  });

  it('returns 0 and changes nothing when no parameter has a grad', () => {
    expect(clipGradNorm_([withGrad(null)], 1)).toBe(0);
    expect(clipGradNorm_([], 1)).toBe(0);
  });

  it('supports the inf norm (largest |g|) and other p-norms', () => {
    expect(clipGradNorm_([withGrad([-3, 2]), withGrad([1])], 100, 'inf')).toBe(3);
    expect(clipGradNorm_([withGrad([-3, 2]), withGrad([1])], 100, Number.POSITIVE_INFINITY)).toBe(3);
    expect(clipGradNorm_([withGrad([1, -2]), withGrad([3])], 100, 1)).toBe(6);
    expect(clipGradNorm_([withGrad([1, -2]), withGrad([3])], 100, 3)).toBeCloseTo(36 ** (1 / 3), 12);
  });

  it('computes the joint norm, not a per-parameter one', () => {
    const a = withGrad([3]);
    const b = withGrad([4]);
    clipGradNorm_([a, b], 2.5);
    expect(gradOf(a)?.[0]).toBeCloseTo(1.5, 5);
    expect(gradOf(b)?.[0]).toBeCloseTo(2, 5);
  });

  it('refuses a non-positive norm_type', () => {
    expect(() => clipGradNorm_([withGrad([1])], 1, 0)).toThrow(RangeError);
  });
});

describe('clipGradValue_', () => {
  it('clamps each element into [-clip_value, clip_value] and skips null grads', () => {
    const w = withGrad([-2, 0.5, 3]);
    const none = withGrad(null);
    clipGradValue_([w, none], 1);
    expect(gradOf(w)).toEqual([-1, 0.5, 1]);
    expect(none.grad).toBeNull();
  });
});

describe('gradClipSchema', () => {
  it('defaults norm_type to 2 and accepts "inf"', () => {
    expect(gradClipSchema.parse({ max_norm: 1 })).toEqual({ max_norm: 1, norm_type: 2 });
    expect(gradClipSchema.parse({ max_norm: 0.5, norm_type: 'inf' })).toEqual({
      max_norm: 0.5,
      norm_type: 'inf',
    });
  });

  it('names the bad field', () => {
    const bad = (v: unknown) =>
      gradClipSchema.safeParse(v).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(bad({ max_norm: 0 })).toEqual([['max_norm', 'max_norm must be a positive number, but got 0']]);
    expect(bad({ max_norm: 1, norm_type: -1 })).toEqual([
      ['norm_type', 'norm_type must be a positive number or "inf", but got -1'],
    ]);
    expect(bad({ max_norm: 1, norm_type: 'two' })?.[0][0]).toBe('norm_type');
    expect(bad({ norm_type: 2 })?.[0][0]).toBe('max_norm');
    expect(bad({ max_norm: 1, error_if_nonfinite: true })?.[0][1]).toContain('error_if_nonfinite');
  });
});
