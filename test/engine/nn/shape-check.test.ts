/**
 * The static shape walk for image-shaped inputs: per-layer output shapes, and each bad layer named
 * by its index and field with the expected value, before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { checkLayerShapes, type LayerSpec, parseModelSpec } from '../../../src/engine/nn/index.js';
import { checkRunData, toTensors } from '../../../src/training/data.js';
import { parseRunSpec } from '../../../src/training/spec.js';

const layers = (...specs: object[]): LayerSpec[] => parseModelSpec({ layers: specs }).layers;
const walk = (sample: number[], ...specs: object[]) => checkLayerShapes(layers(...specs), sample);
const only = (check: ReturnType<typeof walk>) => {
  expect(check.issues).toHaveLength(1);
  return check.issues[0];
};

describe('checkLayerShapes on N-d inputs', () => {
  it('gives every layer its per-sample output shape', () => {
    const check = walk(
      [12],
      { type: 'Linear', in_features: 12, out_features: 24 },
      { type: 'Unflatten', dim: 1, unflattened_size: [2, -1, 3] },
      { type: 'BatchNorm2d', num_features: 2 },
      { type: 'ReLU' },
      { type: 'Dropout2d', p: 0.2 },
      { type: 'Flatten', start_dim: 2 },
      { type: 'LayerNorm', normalized_shape: 12 },
      { type: 'Flatten' },
      { type: 'Linear', in_features: 24, out_features: 3 },
    );
    expect(check.issues).toEqual([]);
    expect(check.layerShapes).toEqual([
      [24],
      [2, 4, 3],
      [2, 4, 3],
      [2, 4, 3],
      [2, 4, 3],
      [2, 12],
      [2, 12],
      [24],
      [3],
    ]);
    expect(check.outputShape).toEqual([3]);
  });

  it('names BatchNorm2d given flat features, and the wrong num_features', () => {
    const flat = only(walk([12], { type: 'BatchNorm2d', num_features: 12 }));
    expect(flat.path).toEqual(['layers', 0]);
    expect(flat.message).toMatch(
      /BatchNorm2d expects 4D input \(N, C, H, W\), got shape \[-1, 12\].*Unflatten/,
    );
    const channels = only(walk([3, 4, 4], { type: 'ReLU' }, { type: 'BatchNorm2d', num_features: 4 }));
    expect(channels).toEqual({
      path: ['layers', 1, 'num_features'],
      message: 'num_features is 4 but the input has 3 channels (input shape [-1, 3, 4, 4])',
    });
    // The walk stops at the bad layer: the shapes before it are known.
    expect(walk([3, 4, 4], { type: 'ReLU' }, { type: 'BatchNorm2d', num_features: 4 }).layerShapes).toEqual([
      [3, 4, 4],
    ]);
  });

  it('names Unflatten sizes that do not multiply up, dim 0 and a dim out of range', () => {
    expect(only(walk([12], { type: 'Unflatten', dim: 1, unflattened_size: [5, 2] }))).toEqual({
      path: ['layers', 0, 'unflattened_size'],
      message:
        'unflattened_size [5, 2] does not multiply up to the size of dim 1 (12) of the input shape [-1, 12]',
    });
    expect(only(walk([12], { type: 'Unflatten', dim: 1, unflattened_size: [5, -1] })).path).toEqual([
      'layers',
      0,
      'unflattened_size',
    ]);
    expect(only(walk([12], { type: 'Unflatten', dim: 0, unflattened_size: [3, 4] })).message).toMatch(
      /split the batch dimension/,
    );
    expect(only(walk([12], { type: 'Unflatten', dim: 2, unflattened_size: [3, 4] }))).toEqual({
      path: ['layers', 0, 'dim'],
      message:
        'Dimension out of range (expected to be in range of [-2, 1], but got 2) for input shape [-1, 12]',
    });
    expect(walk([2, 12], { type: 'Unflatten', dim: -1, unflattened_size: [3, 4] }).outputShape).toEqual([
      2, 3, 4,
    ]);
  });

  it('refuses Dropout2d on flat features, takes (N, C, L) and (N, C, H, W)', () => {
    expect(only(walk([16], { type: 'Dropout2d' })).message).toMatch(/use Dropout for flat features/);
    expect(walk([4, 5], { type: 'Dropout2d' }).issues).toEqual([]);
    expect(walk([4, 5, 5], { type: 'Dropout2d' }).issues).toEqual([]);
  });

  it('names the Flatten field out of range for the input rank', () => {
    expect(only(walk([3, 4, 5], { type: 'Flatten', start_dim: 1, end_dim: 4 })).path).toEqual([
      'layers',
      0,
      'end_dim',
    ]);
    expect(only(walk([3, 4, 5], { type: 'Flatten', start_dim: -1, end_dim: 1 })).message).toMatch(
      /start_dim cannot come after end_dim/,
    );
    expect(walk([3, 4, 5], { type: 'Flatten', start_dim: -3, end_dim: -2 }).outputShape).toEqual([12, 5]);
  });

  it('refuses unflattened_size entries that are not positive or -1, and two -1s, at parse time', () => {
    expect(() => layers({ type: 'Unflatten', dim: 1, unflattened_size: [0, 4] })).toThrow(
      /positive integer, or -1/,
    );
    expect(() => layers({ type: 'Unflatten', dim: 1, unflattened_size: [-1, -1] })).toThrow(
      /only one dimension can be inferred/,
    );
    expect(() => layers({ type: 'Unflatten', dim: 1, unflattened_size: [] })).toThrow(/at least one size/);
  });
});

describe('BatchNorm batch sizes (values per channel)', () => {
  const spec = (batchSize: number, bn: object) =>
    parseRunSpec({
      model: {
        layers: [
          { type: 'Unflatten', dim: 1, unflattened_size: [2, 2, 2] },
          bn,
          { type: 'Flatten' },
          { type: 'Linear', in_features: 8, out_features: 2 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'SGD', lr: 0.1 },
      training: { epochs: 1, batch_size: batchSize },
    });
  const data = (n: number) => ({
    x: Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i + j))),
    y: Array.from({ length: n }, (_, i) => i % 2),
  });

  it('lets BatchNorm2d train on batches of one sample when H×W > 1', () => {
    const s = spec(3, { type: 'BatchNorm2d', num_features: 2 });
    expect(checkRunData(s, data(10))).toEqual([]); // the last batch has 1 sample of 2×2 pixels
    expect(toTensors(s, data(10)).x.shape).toEqual([10, 8]);
  });

  it('refuses BatchNorm1d on (N, C, L) only when N×L is 1', () => {
    const layersOf = (l: number) =>
      parseRunSpec({
        model: {
          layers: [
            { type: 'Unflatten', dim: 1, unflattened_size: [8 / l, l] },
            { type: 'BatchNorm1d', num_features: 8 / l },
            { type: 'Flatten' },
          ],
        },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'SGD', lr: 0.1 },
        training: { epochs: 1, batch_size: 3 },
      });
    const regression = (n: number) => ({ x: data(n).x, y: data(n).x });
    expect(checkRunData(layersOf(2), regression(10))).toEqual([]);
    const refused = checkRunData(layersOf(1), regression(10));
    expect(refused).toEqual([
      {
        path: ['training', 'batch_size'],
        message:
          'BatchNorm1d (layer 1) needs more than one value per channel in every batch, but a batch of 1 occurs with 10 samples and batch_size 3',
      },
    ]);
  });
});
