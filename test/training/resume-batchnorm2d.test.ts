/**
 * An image model with BatchNorm2d and Dropout2d checkpointed after epoch k (through the binary
 * codec, as the service stores it) and restored into a fresh Trainer ends bitwise identical to an
 * uninterrupted run: weights, running statistics, num_batches_tracked, and the dropout masks that
 * follow from the restored generator.
 */
import { describe, expect, it } from 'vitest';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { expectResumeExact } from '../helpers/resume.js';

const spec = (momentum: number | null) =>
  parseRunSpec({
    model: {
      layers: [
        { type: 'BatchNorm2d', num_features: 2, momentum },
        { type: 'ReLU' },
        { type: 'Dropout2d', p: 0.3 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 32, out_features: 12 },
        { type: 'Unflatten', dim: 1, unflattened_size: [3, 2, 2] },
        { type: 'BatchNorm2d', num_features: 3 },
        { type: 'Tanh' },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 12, out_features: 3 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    scheduler: { type: 'StepLR', step_size: 2, gamma: 0.5 },
    training: { epochs: 6, batch_size: 7, seed: 5, validation_split: 0.2 },
  });

/** (N, 2, 4, 4) images: x as nested arrays of rank 4, labels from the pixel sums. */
const images = (n: number) => {
  const x = Array.from({ length: n }, (_, i) =>
    Array.from({ length: 2 }, (_, c) =>
      Array.from({ length: 4 }, (_, h) =>
        Array.from({ length: 4 }, (_, w) => Math.sin(i * 1.3 + c * 2 + h * 0.7 - w)),
      ),
    ),
  );
  const y = x.map((img) => Math.floor(Math.abs(img.flat(2).reduce((a, b) => a + b, 0)) * 10) % 3);
  return { x, y };
};

describe('checkpoint and resume with BatchNorm2d', () => {
  it.each([
    ['momentum 0.1', 0.1],
    ['momentum null (cumulative average)', null],
  ])('%s: resumed after epoch 3 ends bitwise identical', async (_name, momentum) => {
    const s = spec(momentum);
    const { full, checkpoint, resumed } = await expectResumeExact(s, () => toTensors(s, images(40)), 3);
    // The buffers travel in the checkpoint: one count per training step.
    const steps = Math.ceil(full.evaluation!.train.samples / 7);
    expect(Array.from(checkpoint.model['0.num_batches_tracked'].data)).toEqual([3 * steps]);
    expect(Object.keys(checkpoint.model)).toContain('6.running_var');
    expect(resumed.stateDict['6.num_batches_tracked'].item()).toBe(6 * steps);
  });
});
