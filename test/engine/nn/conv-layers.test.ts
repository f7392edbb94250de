/**
 * The convolutions beyond the PyTorch vectors (conv-vectors.test.ts): PyTorch's default
 * initialisation with the job's seed, and finite-difference gradient checks of conv1d/conv2d
 * (input, weight and bias) and of the pools over every geometry option.
 *
 * PyTorch's `_ConvNd.reset_parameters`: kaiming_uniform_(weight, a=√5), i.e. gain √(2/(1+a²)) =
 * √(1/3), bound = gain·√3/√fan_in = 1/√fan_in, and the bias U(-1/√fan_in, 1/√fan_in), with
 * fan_in = in_channels/groups · kernel elements. A uniform U(-b, b) has mean 0 and variance b²/3.
 *
 * The engine computes in float32, so the checks cannot use float64's 1e-7 tolerances; a
 * convolution is linear in each argument, so central differences are exact but for float32
 * rounding, and the tolerances below (atol 1e-3, rtol 1e-3 with eps 1e-2 in [-1, 1] inputs) are
 * ten times tighter than the generic check's.
 */
import { describe, expect, it } from 'vitest';
import { Conv1d, Conv2d } from '../../../src/engine/nn/conv.js';
import { buildLayer, parseModelSpec } from '../../../src/engine/nn/registry.js';
import { conv1d, conv2d } from '../../../src/engine/ops/conv.js';
import { Generator } from '../../../src/engine/random.js';
import type { Tensor } from '../../../src/engine/tensor.js';
import { buildRun } from '../../../src/training/run-parts.js';
import { parseRunSpec } from '../../../src/training/spec.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

const TIGHT = { eps: 1e-2, atol: 1e-3, rtol: 1e-3 };

function moments(values: Float32Array) {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, variance: variance / values.length };
}

describe('Conv1d/Conv2d initialisation (PyTorch defaults, seeded)', () => {
  it.each([
    ['Conv2d(8, 32, 3)', () => new Conv2d(8, 32, 3, { generator: new Generator(11) }), 8 * 9],
    [
      'Conv2d(8, 32, (5, 2), groups=4)',
      () => new Conv2d(8, 32, [5, 2], { groups: 4, generator: new Generator(12) }),
      2 * 10,
    ],
    [
      'Conv1d(6, 48, 7, groups=6)',
      () => new Conv1d(6, 48, 7, { groups: 6, generator: new Generator(13) }),
      7,
    ],
  ] as const)('%s: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))', (_name, make, fanIn) => {
    const layer = make();
    const bound = 1 / Math.sqrt(fanIn);
    const w = layer.weight.data;
    for (const v of w) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    const { mean, variance } = moments(w);
    // Mean within 4 standard errors of 0; variance b²/3 within 10 % (n ≥ 2,304 values).
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(bound ** 2 / 3 / w.length));
    expect(variance / (bound ** 2 / 3)).toBeGreaterThan(0.9);
    expect(variance / (bound ** 2 / 3)).toBeLessThan(1.1);
    // Uniform, not normal: each quarter of the range holds about a quarter of the values.
    for (let q = 0; q < 4; q++) {
      const low = -bound + (q * bound) / 2;
      const share = w.filter((v) => v >= low && v < low + bound / 2).length / w.length;
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.3);
    }
    const bias = layer.bias!.data;
    for (const v of bias) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...bias) - Math.min(...bias)).toBeGreaterThan(bound); // the bias's own draws
  });

  it('bias=False registers no bias; a kernel as wide as the input has fan_in from the kernel', () => {
    const layer = new Conv2d(3, 4, [2, 5], { bias: false, generator: new Generator(1) });
    expect(layer.bias).toBeNull();
    expect(Object.keys(layer.stateDict())).toEqual(['weight']);
    expect(Math.max(...layer.weight.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(3 * 10));
  });

  it("the job's seed fixes the weights bitwise; another seed gives others", () => {
    const spec = (seed: number) =>
      parseRunSpec({
        model: {
          layers: [
            { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3 },
            { type: 'Conv1d', in_channels: 4, out_channels: 2, kernel_size: 2 },
          ],
        },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'SGD', lr: 0.1 },
        training: { epochs: 1, batch_size: 4, seed },
      });
    const weights = (seed: number) =>
      Object.entries(buildRun(spec(seed)).model.stateDict()).map(([k, t]) => [k, Array.from(t.data)]);
    expect(weights(3)).toEqual(weights(3));
    expect(weights(3)).not.toEqual(weights(4));
    expect(weights(3).map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
  });
});

describe('conv gradients (finite differences on input, weight and bias)', () => {
  it.each([
    [
      'plain',
      { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 },
      [2, 2, 5, 6],
      [3, 2, 3, 3],
    ],
    [
      'stride 2 over odd sizes',
      { stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 },
      [2, 2, 7, 6],
      [2, 2, 3, 2],
    ],
    [
      'asymmetric padding ("same", even kernel)',
      { stride: [1, 1], padding: [0, 1, 1, 1], dilation: [1, 1], groups: 1 },
      [1, 2, 5, 4],
      [2, 2, 2, 3],
    ],
    [
      'dilation (2, 1) with padding',
      { stride: [1, 2], padding: [2, 2, 1, 1], dilation: [2, 1], groups: 1 },
      [2, 1, 6, 5],
      [2, 1, 3, 3],
    ],
    [
      'groups 2',
      { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 2 },
      [2, 4, 4, 4],
      [6, 2, 3, 3],
    ],
    [
      'depthwise',
      { stride: [2, 1], padding: [1, 1, 0, 0], dilation: [1, 1], groups: 3 },
      [1, 3, 5, 5],
      [3, 1, 3, 2],
    ],
  ] as const)('conv2d %s', (_name, options, xShape, wShape) => {
    const x = randomTensor([...xShape], 1);
    const w = randomTensor([...wShape], 2);
    const b = randomTensor([wShape[0]], 3);
    const { maxError, worst } = gradcheck((xi, wi, bi) => conv2d(xi, wi, bi, options), [x, w, b], TIGHT);
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('conv2d without bias', () => {
    const options = { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2], groups: 1 } as const;
    const { maxError, worst } = gradcheck(
      (xi: Tensor, wi: Tensor) => conv2d(xi, wi, null, options),
      [randomTensor([2, 2, 6, 7], 4), randomTensor([3, 2, 2, 3], 5)],
      TIGHT,
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it.each([
    ['plain', { stride: 1, padding: [0, 0], dilation: 1, groups: 1 }, [2, 3, 9], [4, 3, 3]],
    [
      'stride 3, padding, dilation 2',
      { stride: 3, padding: [2, 1], dilation: 2, groups: 1 },
      [2, 2, 11],
      [3, 2, 3],
    ],
    ['groups 2', { stride: 1, padding: [1, 1], dilation: 1, groups: 2 }, [1, 4, 7], [4, 2, 2]],
  ] as const)('conv1d %s', (_name, options, xShape, wShape) => {
    const { maxError, worst } = gradcheck(
      (xi: Tensor, wi: Tensor, bi: Tensor) => conv1d(xi, wi, bi, options),
      [randomTensor([...xShape], 6), randomTensor([...wShape], 7), randomTensor([wShape[0]], 8)],
      TIGHT,
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('a whole Conv2d layer with padding "same": its input, weight and bias gradients', () => {
    const layer = new Conv2d(2, 3, 3, { padding: 'same', generator: new Generator(9) });
    const { maxError, worst } = gradcheck(
      (xi: Tensor) => layer.forward(xi),
      [randomTensor([2, 2, 5, 5], 10), layer.weight, layer.bias!],
      TIGHT,
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });
});

describe('pool layer gradients (finite differences, through their JSON specs)', () => {
  const layer = (spec: object) => buildLayer(parseModelSpec({ layers: [spec] }).layers[0], new Generator(0));
  it.each([
    [
      'AvgPool1d counting padding, ceil_mode',
      { type: 'AvgPool1d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true },
      10,
    ],
    [
      'AvgPool1d not counting padding, ceil_mode',
      { type: 'AvgPool1d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false },
      10,
    ],
    ['AdaptiveAvgPool1d with overlapping windows', { type: 'AdaptiveAvgPool1d', output_size: 4 }, 7],
  ])('%s', (_name, spec, length) => {
    const pool = layer(spec);
    const { maxError, worst } = gradcheck(
      (x: Tensor) => pool.forward(x),
      [randomTensor([2, 3, length], 11)],
      TIGHT,
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  // Max pools away from ties: a small eps keeps each window's maximum where it is.
  it.each([
    [
      'MaxPool1d with dilation and ceil_mode',
      { type: 'MaxPool1d', kernel_size: 3, stride: 2, padding: 1, dilation: 2, ceil_mode: true },
      [2, 2, 11],
    ],
    [
      'AdaptiveMaxPool2d with overlapping windows',
      { type: 'AdaptiveMaxPool2d', output_size: [3, 2] },
      [2, 2, 7, 5],
    ],
    [
      'MaxPool2d with stride (1, 2) and padding',
      { type: 'MaxPool2d', kernel_size: [2, 3], stride: [1, 2], padding: [1, 1] },
      [1, 2, 5, 6],
    ],
  ])('%s', (_name, spec, shape) => {
    const pool = layer(spec);
    const { maxError, worst } = gradcheck((x: Tensor) => pool.forward(x), [randomTensor(shape, 12)], {
      eps: 1e-3,
    });
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });
});
