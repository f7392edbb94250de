/**
 * An Embedding-LSTM model (two layers, dropout between them) checkpointed after epoch k (through
 * the binary codec, as the service stores it) and restored into a fresh Trainer ends bitwise
 * identical to an uninterrupted run, including the inter-layer dropout masks that follow from the
 * restored generator.
 */
import { describe, expect, it } from 'vitest';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { expectResumeExact } from '../helpers/resume.js';

const spec = parseRunSpec({
  model: {
    layers: [
      { type: 'Embedding', num_embeddings: 4, embedding_dim: 5, padding_idx: 0 },
      { type: 'LSTM', input_size: 5, hidden_size: 7, num_layers: 2, dropout: 0.3, batch_first: true },
      { type: 'Select', dim: 1, index: -1 },
      { type: 'Linear', in_features: 7, out_features: 2 },
    ],
  },
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  scheduler: { type: 'StepLR', step_size: 2, gamma: 0.5 },
  training: { epochs: 5, batch_size: 8, seed: 11, validation_split: 0.2 },
});

/** 48 sequences of 6 token ids in [0, 4); the class is whether token 3 occurs more than token 1. */
const sequences = () => {
  const x = Array.from({ length: 48 }, (_, i) =>
    Array.from({ length: 6 }, (_, j) => (i * 7 + j * j * 3 + i * j) % 4),
  );
  const y = x.map((row) => (row.filter((t) => t === 3).length > row.filter((t) => t === 1).length ? 1 : 0));
  return { x, y };
};

describe('checkpoint and resume with an LSTM', () => {
  it('resumed after epoch 2 ends bitwise identical to an uninterrupted run', async () => {
    const { checkpoint, resumed } = await expectResumeExact(spec, () => toTensors(spec, sequences()), 2);
    expect(Object.keys(checkpoint.model)).toContain('1.weight_hh_l1');
    // The padding row stays zero through training (no gradient reaches it).
    expect(Array.from(resumed.stateDict['0.weight'].data.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
  });
});
