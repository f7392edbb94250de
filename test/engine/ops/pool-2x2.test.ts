import { describe, expect, it } from 'vitest';
import { adaptiveMaxPool2d, maxPool2d } from '../../../src/engine/ops/pool.js';
import { Generator } from '../../../src/engine/random.js';
import { Tensor } from '../../../src/engine/tensor.js';
import '../../../src/engine/tensor-methods.js';
import { bits, randn } from '../../helpers/bits.js';

/** `MaxPool2d(2)`: the options the fast path takes. */
const opts = {
  kernel: [2, 2] as const,
  stride: [2, 2] as const,
  padding: [0, 0] as const,
  dilation: [1, 1] as const,
  ceilMode: false,
};

describe('maxPool2d 2×2 stride 2 (the fast path)', () => {
  /** The general loop over the same windows: adaptive max pooling to half the size (even sizes). */
  function compare(x: Tensor, oh: number, ow: number) {
    const a = x.clone();
    const b = x.clone();
    const fast = maxPool2d(a, opts);
    const general = adaptiveMaxPool2d(b, oh, ow);
    expect(fast.shape).toEqual(general.shape);
    expect(bits(fast.data)).toEqual(bits(general.data));
    const up = randn(fast.shape, new Generator(1));
    fast.backward(up);
    general.backward(up);
    expect(bits(a.grad!.data)).toEqual(bits(b.grad!.data)); // same argmax, ties included
  }

  it('equals the general loop on random values, ties, signed zeros, infinities and NaNs', () => {
    const g = new Generator(12);
    const x = randn([3, 2, 8, 10], g, true);
    const d = x.data;
    // Ties between every pair of positions of one window, and between ±0.
    d.set([1, 1, 0, 0], 0);
    d[10] = 0;
    d[11] = 0;
    d.set([-0, 0], 2);
    d.set([0, -0], 12);
    d.set([-1, -1], 4);
    d.set([-1, -1], 14);
    d[6] = 2;
    d[17] = 2;
    d[8] = Number.NEGATIVE_INFINITY;
    d[9] = Number.NEGATIVE_INFINITY;
    d[18] = Number.NEGATIVE_INFINITY;
    d[19] = Number.NEGATIVE_INFINITY;
    d[20] = Number.POSITIVE_INFINITY;
    d[31] = Number.POSITIVE_INFINITY;
    d[22] = Number.NaN;
    d[33] = Number.NaN; // two NaNs in a window: the last wins, as in the general loop
    d[25] = Number.NaN;
    d[26] = -3.4e38;
    d[27] = 3.4e38;
    d[36] = 3.4e38;
    d[37] = 3.4e38;
    compare(x, 4, 5);
    // Constant planes: every window a four-way tie.
    compare(new Tensor(new Float32Array(2 * 6 * 6).fill(0.5), [1, 2, 6, 6], true), 3, 3);
  });

  it('drops the last row and column of odd sizes, as the general loop does', () => {
    const x = randn([2, 3, 7, 9], new Generator(8), true);
    const fast = maxPool2d(x, opts);
    // The general loop's windows: adaptive pooling of the even-sized crop.
    const crop = new Float32Array(2 * 3 * 6 * 8);
    for (let p = 0; p < 6; p++)
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 8; j++) crop[(p * 6 + i) * 8 + j] = x.data[(p * 7 + i) * 9 + j];
    const general = adaptiveMaxPool2d(new Tensor(crop, [2, 3, 6, 8]), 3, 4);
    expect(fast.shape).toEqual([2, 3, 3, 4]);
    expect(bits(fast.data)).toEqual(bits(general.data));
  });
});
