/**
 * The pools beyond the PyTorch vectors: finite-difference gradients of the average pools, the
 * spec's refusals (return_indices, divisor 0) and the shape check's, each naming the layer and the
 * expected value before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import { checkLayerShapes, type LayerSpec, parseModelSpec } from '../../../src/engine/nn/index.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../../src/engine/ops/pool.js';
import type { Tensor } from '../../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

const layers = (...specs: object[]): LayerSpec[] => parseModelSpec({ layers: specs }).layers;
const walk = (sample: number[], ...specs: object[]) => checkLayerShapes(layers(...specs), sample);

describe('average pool gradients (finite differences)', () => {
  const base = { kernel: [3, 2], stride: [2, 1], padding: [1, 1], ceilMode: false } as const;
  it.each([
    ['count_include_pad', { ...base, countIncludePad: true, divisorOverride: null }],
    [
      'count_include_pad False, ceil_mode',
      { ...base, ceilMode: true, countIncludePad: false, divisorOverride: null },
    ],
    ['divisor_override', { ...base, ceilMode: true, countIncludePad: true, divisorOverride: 5 }],
  ] as const)('avg_pool2d with %s', (_name, options) => {
    const { maxError, worst } = gradcheck(
      (x: Tensor) => avgPool2d(x, options),
      [randomTensor([2, 2, 7, 5], 1)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('adaptive_avg_pool2d with overlapping windows of unequal size', () => {
    const { maxError, worst } = gradcheck(
      (x: Tensor) => adaptiveAvgPool2d(x, 3, 4),
      [randomTensor([2, 2, 7, 5], 2)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });

  it('max_pool2d away from ties', () => {
    const options = {
      kernel: [3, 3],
      stride: [2, 2],
      padding: [1, 1],
      dilation: [1, 1],
      ceilMode: true,
    } as const;
    const { maxError, worst } = gradcheck(
      (x: Tensor) => maxPool2d(x, options),
      [randomTensor([1, 2, 6, 6], 3)],
      {
        eps: 1e-3,
      },
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });
});

describe('pool specs', () => {
  it('fills in PyTorch defaults: stride null (the kernel size), padding 0, count_include_pad True', () => {
    expect(layers({ type: 'MaxPool2d', kernel_size: 2 })[0]).toEqual({
      type: 'MaxPool2d',
      kernel_size: 2,
      stride: null,
      padding: 0,
      dilation: 1,
      ceil_mode: false,
      return_indices: false,
    });
    expect(layers({ type: 'AvgPool2d', kernel_size: [2, 3] })[0]).toEqual({
      type: 'AvgPool2d',
      kernel_size: [2, 3],
      stride: null,
      padding: 0,
      ceil_mode: false,
      count_include_pad: true,
      divisor_override: null,
    });
  });

  it('refuses return_indices, a zero divisor and output sizes of the wrong length', () => {
    const refusal = (spec: object) => {
      try {
        layers(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(SpecError);
        return (e as SpecError).issues;
      }
      throw new Error('accepted');
    };
    expect(refusal({ type: 'MaxPool2d', kernel_size: 2, return_indices: true })).toEqual([
      {
        path: ['layers', 0, 'return_indices'],
        message: 'return_indices is not supported: a layer of a Sequential passes on one tensor',
      },
    ]);
    expect(refusal({ type: 'AvgPool2d', kernel_size: 2, divisor_override: 0 })[0].message).toBe(
      'divisor must be not zero',
    );
    expect(refusal({ type: 'AdaptiveAvgPool2d', output_size: [2, 2, 2] })[0].path).toEqual([
      'layers',
      0,
      'output_size',
    ]);
    expect(refusal({ type: 'AvgPool1d', kernel_size: 2, divisor_override: 2 })[0].path).toEqual([
      'layers',
      0,
      'divisor_override',
    ]);
  });
});

describe('checkLayerShapes for pools', () => {
  it('gives each pool its output shape (ceil_mode, None keeps a dim)', () => {
    const check = walk(
      [3, 9, 9],
      { type: 'MaxPool2d', kernel_size: 2, stride: 2, padding: 1, ceil_mode: true },
      { type: 'AvgPool2d', kernel_size: 3, stride: 1, padding: 1 },
      { type: 'AdaptiveAvgPool2d', output_size: [null, 2] },
      { type: 'AdaptiveMaxPool2d', output_size: 1 },
      { type: 'Flatten', start_dim: 2 },
      { type: 'MaxPool1d', kernel_size: 1 },
      { type: 'AdaptiveAvgPool1d', output_size: 3 },
      { type: 'AvgPool1d', kernel_size: 2, ceil_mode: true },
    );
    expect(check.issues).toEqual([]);
    expect(check.layerShapes).toEqual([
      [3, 5, 5],
      [3, 5, 5],
      [3, 5, 2],
      [3, 1, 1],
      [3, 1],
      [3, 1],
      [3, 3],
      [3, 2],
    ]);
  });

  it('refuses padding over half the kernel, naming the layer and the limit', () => {
    const check = walk(
      [2, 8, 8],
      { type: 'ReLU' },
      { type: 'MaxPool2d', kernel_size: [3, 4], padding: [1, 2] },
      {
        type: 'AvgPool2d',
        kernel_size: 3,
        padding: 2,
      },
    );
    expect(check.issues).toEqual([
      {
        path: ['layers', 2, 'padding'],
        message: 'pad should be at most half of kernel size, but got pad=2 and kernel_size=3',
      },
    ]);
    expect(check.layerShapes).toEqual([
      [2, 8, 8],
      [2, 3, 3],
    ]);
  });

  it('refuses an output size below 1', () => {
    expect(walk([2, 3, 5], { type: 'MaxPool2d', kernel_size: 4 }).issues).toEqual([
      {
        path: ['layers', 0, 'kernel_size'],
        message: 'Given input size: (2x3x5). Calculated output size: (2x0x1). Output size is too small',
      },
    ]);
    expect(walk([2, 3], { type: 'AvgPool1d', kernel_size: 5 }).issues[0].path).toEqual([
      'layers',
      0,
      'kernel_size',
    ]);
  });

  it('refuses the wrong input rank with the form it expects', () => {
    expect(walk([16], { type: 'MaxPool2d', kernel_size: 2 }).issues).toEqual([
      {
        path: ['layers', 0],
        message: `MaxPool2d expects 4D input (N, C, H, W), got shape [-1, 16] (flat features: an Unflatten layer, e.g. {"type": "Unflatten", "dim": 1, "unflattened_size": [C, H, W]}, makes them an image)`,
      },
    ]);
    expect(walk([2, 4, 4], { type: 'AdaptiveAvgPool1d', output_size: 2 }).issues[0].message).toBe(
      'AdaptiveAvgPool1d expects 3D input (N, C, L), got shape [-1, 2, 4, 4]',
    );
  });
});
