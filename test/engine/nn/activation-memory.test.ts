/**
 * The activation-memory model (src/engine/nn/activation-memory.ts) against hand-counted bytes:
 * each term of the documented model, worked out from the shapes (float32 = 4 bytes).
 */
import { describe, expect, it } from 'vitest';
import {
  activationMemory,
  type LayerSpec,
  layerActivationCost,
  parseModelSpec,
} from '../../../src/engine/nn/index.js';
import { checkActivationLimit, layerParameterCount } from '../../../src/service/job-limits.js';

const layers = (...specs: object[]): LayerSpec[] => parseModelSpec({ layers: specs }).layers;

describe('activationMemory', () => {
  it('counts outputs, saved buffers, the loss and the largest backward transient', () => {
    const b = 10;
    const memory = activationMemory(
      layers(
        { type: 'Linear', in_features: 6, out_features: 40 },
        { type: 'Dropout', p: 0.5 },
        { type: 'Unflatten', dim: 1, unflattened_size: [2, 4, 5] },
        { type: 'BatchNorm2d', num_features: 2 },
        { type: 'Dropout2d', p: 0.1 },
        { type: 'LayerNorm', normalized_shape: [4, 5] },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 40, out_features: 3 },
      ),
      [6],
      b,
    );
    const kept = [
      40 * 4, // Linear output
      40 * 4 * 2, // Dropout output and float32 mask
      0, // Unflatten: a view
      40 * 4 + (2 * 16) / b, // BatchNorm2d output; mean and 1/σ per channel (not per sample)
      40 * 4 + 2 * 8, // Dropout2d output; a float64 mask value per sample and channel
      40 * 4 * 2 + 2 * 8, // LayerNorm output and x̂; 1/σ per normalised group (2 groups of 4×5)
      0, // Flatten: a view
      3 * 4, // Linear output
    ];
    expect(memory.layers.map((l) => l.keptBytes)).toEqual(kept.map((k) => k * b));
    expect(memory.layers.map((l) => l.backwardBytes)).toEqual(
      [6 + 40, 80, 80, 80, 80, 80, 80, 40 + 3].map((v) => v * 4 * b),
    );
    expect(memory.inputBytes).toBe(6 * 4 * b);
    expect(memory.lossBytes).toBe(3 * 12 * b);
    expect(memory.bytes).toBe(b * (6 * 4 + kept.reduce((x, y) => x + y) + 3 * 12 + 80 * 4));
    expect(memory.unknownAt).toBeNull();
  });

  it('scales with the batch, and Dropout with p = 0 keeps nothing of its own', () => {
    const model = layers(
      { type: 'Linear', in_features: 8, out_features: 16 },
      { type: 'Dropout', p: 0 },
      { type: 'Unflatten', dim: 1, unflattened_size: [4, 4] },
      { type: 'Dropout2d', p: 0 },
    );
    const one = activationMemory(model, [8], 1);
    expect(one.unknownAt).toBeNull();
    expect(activationMemory(model, [8], 64).bytes).toBe(64 * one.bytes);
    expect(one.layers.map((l) => l.keptBytes)).toEqual([16 * 4, 0, 0, 0]);
  });

  it('counts a convolution as im2col over the whole batch: output, columns, and their gradient', () => {
    // W4's first layer: Conv2d(1, 32, 3, padding=1) on 28×28, a batch of 64.
    const conv = { type: 'Conv2d', in_channels: 1, out_channels: 32, kernel_size: 3, padding: 1 };
    const cost = layerActivationCost(conv, [1, 28, 28], [32, 28, 28], 64);
    const output = 64 * 32 * 784 * 4;
    const columns = 64 * (1 * 9) * 784 * 4;
    expect(cost.keptBytes).toBe(output + columns);
    expect(cost.backwardBytes).toBe(64 * (784 + 32 * 784) * 4 + columns);
    // Groups divide the column rows; a rectangular kernel multiplies out.
    const grouped = { type: 'Conv2d', in_channels: 8, out_channels: 4, kernel_size: [3, 2], groups: 2 };
    expect(layerActivationCost(grouped, [8, 5, 5], [4, 3, 4], 2).keptBytes).toBe(
      2 * 4 * 12 * 4 + 2 * (4 * 6) * 12 * 4,
    );
    // Max pooling keeps a float64 argmax per output value; average pooling nothing extra.
    expect(layerActivationCost({ type: 'MaxPool2d' }, [32, 28, 28], [32, 14, 14], 64).keptBytes).toBe(
      64 * 32 * 196 * 12,
    );
    expect(layerActivationCost({ type: 'AvgPool2d' }, [32, 28, 28], [32, 14, 14], 64).keptBytes).toBe(
      64 * 32 * 196 * 4,
    );
    // A type with no rule keeps its output and as much as its input.
    expect(layerActivationCost({ type: 'Mystery' }, [5], [7], 2).keptBytes).toBe(2 * (5 + 7) * 4);
  });

  it('stops at a layer whose output shape the walk does not know, and the limit check names it', () => {
    const model = [
      ...layers({ type: 'Unflatten', dim: 1, unflattened_size: [1, 4, 4] }),
      { type: 'Conv3d', in_channels: 1, out_channels: 2, kernel_size: 3 } as unknown as LayerSpec,
      ...layers({ type: 'Flatten' }),
    ];
    const memory = activationMemory(model, [16], 4);
    expect(memory.unknownAt).toBe(1);
    expect(memory.layers).toHaveLength(1);
    expect(checkActivationLimit({ layers: model }, [16], 4, 1e12)).toEqual([
      {
        path: 'model.layers[1]',
        message:
          'the output shape of this Conv3d layer cannot be worked out from the spec, so its activation memory cannot be checked against MAX_ACTIVATION_BYTES',
      },
    ]);
  });

  it('names the layer holding the most when over the limit', () => {
    const model = layers(
      { type: 'Linear', in_features: 4, out_features: 1000 },
      { type: 'ReLU' },
      { type: 'Linear', in_features: 1000, out_features: 2 },
    );
    const bytes = activationMemory(model, [4], 100).bytes;
    expect(checkActivationLimit({ layers: model }, [4], 100, bytes)).toEqual([]);
    const [issue] = checkActivationLimit({ layers: model }, [4], 100, bytes - 1);
    expect(issue.path).toBe('model.layers[1]'); // ReLU: output 1000 kept, 1000 + 1000 in its backward
    expect(issue.message).toContain(`needs ${bytes.toLocaleString('en-US')} bytes`);
    expect(issue.message).toContain('ReLU layer (output 100 × 1000)');
  });
});

describe('layerParameterCount', () => {
  it('counts BatchNorm2d as PyTorch allocates it: weight, bias, running_mean, running_var, num_batches_tracked', () => {
    const count = (extra: object) => layerParameterCount({ type: 'BatchNorm2d', num_features: 16, ...extra });
    expect(count({})).toBe(16 + 16 + 16 + 16 + 1);
    expect(count({ affine: false })).toBe(16 + 16 + 1);
    expect(count({ track_running_stats: false })).toBe(16 + 16);
    expect(layerParameterCount({ type: 'Dropout2d', p: 0.5 })).toBe(0);
    expect(layerParameterCount({ type: 'Unflatten', dim: 1, unflattened_size: [4, 4] })).toBe(0);
  });
});
