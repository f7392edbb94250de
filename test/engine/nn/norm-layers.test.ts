/**
 * BatchNorm2d, Dropout2d and Unflatten beyond the PyTorch vectors: finite-difference gradients of
 * every op, Dropout2d's structure and statistics for 0 < p < 1, PyTorch's errors, the state
 * dict names, and buffer reuse giving bitwise the same training.
 */
import { describe, expect, it } from 'vitest';
import { dropGradBufferSpares } from '../../../src/engine/grad-buffer.js';
import { CrossEntropyLoss } from '../../../src/engine/losses/index.js';
import { BatchNorm2d, buildModel, Dropout2d, Unflatten } from '../../../src/engine/nn/index.js';
import { batchNorm } from '../../../src/engine/ops/batch-norm.js';
import { unflatten } from '../../../src/engine/ops/shape.js';
import { Adam } from '../../../src/engine/optim/index.js';
import { Generator } from '../../../src/engine/random.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

const noStats = { runningMean: null, runningVar: null, momentum: 0.1, eps: 1e-5 };

describe('batch_norm gradients (finite differences)', () => {
  it('with batch statistics, for the input, weight and bias of (N, C, H, W) input', () => {
    const { maxError, worst } = gradcheck(
      (x: Tensor, w: Tensor, b: Tensor) => batchNorm(x, { ...noStats, weight: w, bias: b, training: true }),
      [randomTensor([3, 2, 3, 5], 1), randomTensor([2], 2, 0.5, 1.5), randomTensor([2], 3)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('with batch statistics and no affine, on odd sizes', () => {
    const { maxError, worst } = gradcheck(
      (x: Tensor) => batchNorm(x, { ...noStats, weight: null, bias: null, training: true }),
      [randomTensor([2, 3, 1, 3], 4)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('with running statistics (eval), where the statistics are constants', () => {
    const runningMean = tensor([0.2, -0.1]);
    const runningVar = tensor([0.7, 1.3]);
    const { maxError, worst } = gradcheck(
      (x: Tensor, w: Tensor, b: Tensor) =>
        batchNorm(x, { ...noStats, runningMean, runningVar, weight: w, bias: b, training: false }),
      [randomTensor([2, 2, 2, 3], 5), randomTensor([2], 6, 0.5, 1.5), randomTensor([2], 7)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
    expect(Array.from(runningMean.data)).toEqual([Math.fround(0.2), Math.fround(-0.1)]); // untouched
  });

  it('through the BatchNorm2d module in training', () => {
    const { maxError, worst } = gradcheck(
      (x: Tensor) => new BatchNorm2d(3, { momentum: null }).forward(x),
      [randomTensor([2, 3, 2, 2], 8)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });
});

describe('BatchNorm2d', () => {
  it('has PyTorch state-dict names, and none of the buffers without track_running_stats', () => {
    const spec = (extra: object) => ({
      layers: [
        { type: 'Linear', in_features: 12, out_features: 12 },
        { type: 'Unflatten', dim: 1, unflattened_size: [3, 2, 2] },
        { type: 'BatchNorm2d', num_features: 3, ...extra },
        { type: 'Dropout2d', p: 0.2 },
        { type: 'Flatten' },
      ],
    });
    expect(Object.keys(buildModel(spec({}), new Generator(0)).stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '2.running_mean',
      '2.running_var',
      '2.num_batches_tracked',
    ]);
    expect(
      Object.keys(
        buildModel(spec({ affine: false, track_running_stats: false }), new Generator(0)).stateDict(),
      ),
    ).toEqual(['0.weight', '0.bias']);
  });

  it("refuses other ranks, other channel counts and one value per channel, with PyTorch's words", () => {
    const bn = new BatchNorm2d(3);
    expect(() => bn.forward(randomTensor([2, 3, 4], 1))).toThrow('expected 4D input (got 3D input)');
    expect(() => bn.forward(randomTensor([2, 4, 2, 2], 1))).toThrow(/expected input with 3 channels, got 4/);
    expect(() => bn.forward(randomTensor([1, 3, 1, 1], 1))).toThrow(
      'Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]',
    );
    expect(bn.stateDict().num_batches_tracked.item()).toBe(0); // a refused batch is not counted
    // One sample of two pixels is two values per channel, as PyTorch allows.
    expect(bn.forward(randomTensor([1, 3, 1, 2], 1)).shape).toEqual([1, 3, 1, 2]);
    // In eval a single value is fine: the running statistics normalise it.
    bn.eval();
    expect(bn.forward(randomTensor([1, 3, 1, 1], 1)).shape).toEqual([1, 3, 1, 1]);
  });

  it('with momentum null keeps the exact average of the batch statistics', () => {
    const bn = new BatchNorm2d(1, { momentum: null });
    const batches = [
      [1, 2, 3, 6],
      [0, 0, 4, 4],
      [-2, 2, 1, 3],
    ];
    for (const b of batches) bn.forward(tensor(b, { shape: [1, 1, 2, 2] }));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const unbiased = (v: number[]) => v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1);
    const state = bn.stateDict();
    expect(state.running_mean.data[0]).toBeCloseTo(mean(batches.map(mean)), 6);
    expect(state.running_var.data[0]).toBeCloseTo(mean(batches.map(unbiased)), 5);
    expect(state.num_batches_tracked.item()).toBe(3);
  });
});

describe('Dropout2d', () => {
  const ones = (shape: number[]) =>
    tensor(new Float32Array(shape.reduce((a, b) => a * b)).fill(1), { shape });

  it('zeroes whole channels with probability p and scales the rest by 1/(1-p)', () => {
    const [n, c, h, w] = [40, 50, 3, 2];
    const out = new Dropout2d(0.3, new Generator(5)).forward(ones([n, c, h, w]));
    const scale = Math.fround(1 / Math.fround(0.7));
    let dropped = 0;
    const mixed: number[] = [];
    for (let k = 0; k < n * c; k++) {
      const channel = out.data.subarray(k * h * w, (k + 1) * h * w);
      const first = channel[0];
      // All or nothing per channel, and nothing but 0 or the scale.
      if (channel.some((v) => v !== first) || (first !== 0 && first !== scale)) mixed.push(k);
      if (first === 0) dropped++;
    }
    expect(mixed).toEqual([]);
    // 2,000 channels: the dropped count is Binomial(2000, 0.3), mean 600, sd 20.5; ±5 sd.
    expect(dropped).toBeGreaterThan(600 - 103);
    expect(dropped).toBeLessThan(600 + 103);
  });

  it('draws the same channels for the same seed, others for another, and its gradient is the mask', () => {
    const x = randomTensor([4, 6, 2, 2], 3);
    const a = new Dropout2d(0.5, new Generator(11)).forward(x);
    const b = new Dropout2d(0.5, new Generator(11)).forward(x);
    const other = new Dropout2d(0.5, new Generator(12)).forward(x);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(other.data));
    const { maxError, worst } = gradcheck(
      (t: Tensor) => new Dropout2d(0.5, new Generator(11)).forward(t),
      [randomTensor([2, 3, 2, 2], 4)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('takes a 3-D input as (N, C, L), as PyTorch 1.13 does, and refuses fewer than 2 dimensions', () => {
    const out = new Dropout2d(0.5, new Generator(2)).forward(ones([30, 4, 7]));
    for (let k = 0; k < 120; k++) {
      const run = new Set(out.data.subarray(k * 7, (k + 1) * 7));
      expect(run.size).toBe(1);
    }
    expect(new Set(out.data)).toEqual(new Set([0, 2]));
    expect(() => new Dropout2d(0.5).forward(tensor([1, 2, 3]))).toThrow(
      'Feature dropout requires at least 2 dimensions in the input',
    );
  });

  it('is the identity in eval and for p = 0, and refuses p outside [0, 1]', () => {
    const x = randomTensor([2, 3, 2, 2], 1);
    const d = new Dropout2d(0.9, new Generator(0));
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(new Dropout2d(0, new Generator(0)).forward(x)).toBe(x);
    expect(() => new Dropout2d(1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
  });
});

describe('Unflatten', () => {
  it('splits one dimension (inferring -1), as a view, with gradients passed through', () => {
    const x = randomTensor([2, 12], 1);
    const y = new Unflatten(1, [3, -1]).forward(x);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.data).toBe(x.data);
    expect(unflatten(randomTensor([2, 3, 10], 2), -1, [5, 2]).shape).toEqual([2, 3, 5, 2]);
    const { maxError } = gradcheck(
      (t: Tensor) => new Unflatten(1, [2, 2]).forward(t),
      [randomTensor([3, 4], 3)],
    );
    expect(maxError).toBeLessThanOrEqual(0);
  });

  it("refuses sizes that do not fit, with PyTorch's messages", () => {
    const x = randomTensor([2, 12], 1);
    expect(() => unflatten(x, 1, [5, 2])).toThrow(
      "unflatten: Provided sizes [5, 2] don't multiply up to the size of dim 1 (12) in the input tensor",
    );
    expect(() => unflatten(x, 1, [5, -1])).toThrow("don't multiply up to the size of dim 1 (12)");
    expect(() => unflatten(x, 1, [-1, -1])).toThrow('only one dimension can be inferred');
    expect(() => unflatten(x, 3, [3, 4])).toThrow(
      /dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)/,
    );
  });
});

describe('memory reuse', () => {
  it('an image model reusing its buffers trains bitwise as with fresh memory', () => {
    // Past the slab size, so outputs, gradients and saved statistics go through the spares.
    const train = (reuse: boolean) => {
      const model = buildModel(
        {
          layers: [
            { type: 'BatchNorm2d', num_features: 4, momentum: null },
            { type: 'Dropout2d', p: 0.3 },
            { type: 'Flatten' },
            { type: 'Linear', in_features: 256, out_features: 48 },
            { type: 'Unflatten', dim: 1, unflattened_size: [3, 4, 4] },
            { type: 'BatchNorm2d', num_features: 3, affine: false },
            { type: 'ReLU' },
            { type: 'Flatten' },
            { type: 'Linear', in_features: 48, out_features: 5 },
          ],
        },
        new Generator(4),
      );
      const x = randomTensor([32, 4, 8, 8], 9);
      const y = tensor(Array.from({ length: 32 }, (_, i) => i % 5));
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      const loss = new CrossEntropyLoss();
      for (let step = 0; step < 5; step++) {
        if (!reuse) dropGradBufferSpares();
        optimizer.zeroGrad({ reuse });
        const value = loss.forward(model.forward(x), y);
        value.backward();
        optimizer.step();
        if (reuse) value.releaseGraph();
      }
      dropGradBufferSpares();
      return Object.values(model.stateDict()).map((t) => Array.from(t.data));
    };
    expect(train(true)).toEqual(train(false));
  });
});
