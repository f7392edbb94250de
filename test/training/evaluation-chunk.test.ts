/**
 * Evaluation runs in chunks that need no more memory than a training step (or 64 MiB): a wide
 * model is evaluated in fewer than 2,048 samples at a time, with the same metrics.
 */
import { describe, expect, it } from 'vitest';
import { inferenceBytesPerSample, parseModelSpec } from '../../src/engine/nn/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { Trainer } from '../../src/training/trainer.js';

const wide = (hidden: number, batchSize = 8) =>
  parseRunSpec({
    model: {
      layers: [
        { type: 'Linear', in_features: 4, out_features: hidden },
        { type: 'ReLU' },
        { type: 'Linear', in_features: hidden, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'SGD', lr: 0.01 },
    training: { epochs: 1, batch_size: batchSize, seed: 1 },
  });
const data = (n: number) => {
  const x = Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(i), (i % 5) / 5, 1]);
  return { x, y: x.map((r) => (r[0] > 0 ? 1 : 0)) };
};

/** The sizes of the batches the model sees in eval mode. */
function evalBatches(trainer: Trainer): number[] {
  const model = trainer.parts.model;
  const sizes: number[] = [];
  const forward = model.forward.bind(model);
  model.forward = (x: Tensor) => {
    if (!model.training) sizes.push(x.shape[0]);
    return forward(x);
  };
  return sizes;
}

describe('evaluation chunks', () => {
  it('per sample, hold one layer input and output at a time', () => {
    const { layers } = parseModelSpec(wide(50_000).model);
    // Linear(4, 50000): 4 + 50,000 values; the ReLU's 50,000 + 50,000 are the largest pair.
    expect(inferenceBytesPerSample(layers, [4])).toBe((50_000 + 50_000) * 4);
  });

  it('shrink for a wide model to what 64 MiB holds, and stay 2,048 for a small one', () => {
    const big = new Trainer(wide(50_000), toTensors(wide(50_000), data(1000)));
    const bigSizes = evalBatches(big);
    big.evaluate();
    const chunk = Math.floor((64 * 1024 * 1024) / (100_000 * 4)); // 167
    expect(bigSizes).toEqual([chunk, chunk, chunk, chunk, chunk, 1000 - 5 * chunk]);

    const small = new Trainer(wide(8), toTensors(wide(8), data(3000)));
    const smallSizes = evalBatches(small);
    small.evaluate();
    expect(smallSizes).toEqual([2048, 952]);

    // With training batches that need more than 64 MiB, evaluation may use as much.
    const batched = new Trainer(wide(50_000, 500), toTensors(wide(50_000, 500), data(1000)));
    const batchedSizes = evalBatches(batched);
    batched.evaluate();
    expect(batchedSizes).toEqual([1000]);
  });

  it('give the metrics of a single pass over the split', () => {
    const spec = wide(50_000);
    const trainer = new Trainer(spec, toTensors(spec, data(400)));
    const chunked = trainer.evaluate().train;
    const model = trainer.parts.model;
    model.eval();
    const whole = trainer.parts.loss.forward(
      model.forward(toTensors(spec, data(400)).x),
      toTensors(spec, data(400)).y,
    );
    expect(chunked.loss).toBeCloseTo(whole.item(), 6);
  });
});
