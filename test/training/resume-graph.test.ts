/**
 * A model graph (a residual block with BatchNorm2d and Dropout2d in a nested Sequential, a cat and
 * a mean) checkpointed after epoch 2 (through the binary codec, as the service stores it) and
 * restored into a fresh Trainer ends bitwise identical to an uninterrupted run, under the node
 * names of its state dict.
 */
import { describe, expect, it } from 'vitest';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { expectResumeExact } from '../helpers/resume.js';

const conv = (i: number, o: number) => ({
  type: 'Conv2d',
  in_channels: i,
  out_channels: o,
  kernel_size: 3,
  padding: 1,
});
const spec = parseRunSpec({
  model: {
    inputs: ['x'],
    nodes: [
      {
        name: 'block',
        layer: {
          type: 'Sequential',
          layers: [
            conv(2, 2),
            { type: 'BatchNorm2d', num_features: 2 },
            { type: 'ReLU' },
            { type: 'Dropout2d', p: 0.3 },
          ],
        },
        input: 'x',
      },
      { name: 'sum', op: 'add', inputs: ['block', 'x'] },
      { name: 'both', op: 'cat', inputs: ['sum', 'x'], dim: 1 },
      { name: 'pooled', op: 'mean', input: 'both', dim: [2, 3] },
      { name: 'fc', layer: { type: 'Linear', in_features: 4, out_features: 3 }, input: 'pooled' },
    ],
    output: 'fc',
  },
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  training: { epochs: 5, batch_size: 7, seed: 4, validation_split: 0.2 },
});

const images = (n: number) => {
  const x = Array.from({ length: n }, (_, i) =>
    Array.from({ length: 2 }, (_, c) =>
      Array.from({ length: 4 }, (_, h) =>
        Array.from({ length: 4 }, (_, w) => Math.sin(i * 1.3 + c * 2 + h * 0.7 - w)),
      ),
    ),
  );
  const y = x.map((_, i) => i % 3);
  return { x, y };
};

describe('checkpoint and resume of a model graph', () => {
  it('resumed after epoch 2 ends bitwise identical', async () => {
    const { checkpoint } = await expectResumeExact(spec, () => toTensors(spec, images(30)), 2);
    expect(Object.keys(checkpoint.model)).toEqual([
      'block.0.weight',
      'block.0.bias',
      'block.1.weight',
      'block.1.bias',
      'block.1.running_mean',
      'block.1.running_var',
      'block.1.num_batches_tracked',
      'fc.weight',
      'fc.bias',
    ]);
  });
});
