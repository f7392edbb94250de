/**
 * A Transformer encoder classifier (dropout in the positional encoding, the attention weights and
 * every encoder sub-block, a key padding mask) checkpointed after epoch k (through the binary
 * codec, as the service stores it) and restored into a fresh Trainer ends bitwise identical to an
 * uninterrupted run, dropout masks included.
 */
import { describe, expect, it } from 'vitest';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { expectResumeExact } from '../helpers/resume.js';

const spec = parseRunSpec({
  model: {
    layers: [
      { type: 'Embedding', num_embeddings: 6, embedding_dim: 8, padding_idx: 0 },
      { type: 'PositionalEncoding', d_model: 8, dropout: 0.1, batch_first: true },
      {
        type: 'TransformerEncoder',
        encoder_layer: {
          type: 'TransformerEncoderLayer',
          d_model: 8,
          nhead: 2,
          dim_feedforward: 16,
          dropout: 0.2,
          batch_first: true,
          activation: 'gelu',
        },
        num_layers: 2,
        norm: { type: 'LayerNorm', normalized_shape: 8 },
        src_key_padding_mask: 'padding_idx',
      },
      { type: 'Mean', dim: 1 },
      { type: 'Linear', in_features: 8, out_features: 2 },
    ],
  },
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  scheduler: { type: 'StepLR', step_size: 2, gamma: 0.5 },
  training: { epochs: 5, batch_size: 8, seed: 12, validation_split: 0.2 },
});

/** 40 right-padded sequences of 6 token ids in [1, 6); the class: token 3 occurs more than token 1. */
const sequences = () => {
  const x = Array.from({ length: 40 }, (_, i) =>
    Array.from({ length: 6 }, (_, j) => (j < 2 + (i % 5) ? 1 + ((i * 7 + j * j * 3 + i * j) % 5) : 0)),
  );
  const y = x.map((row) => (row.filter((t) => t === 3).length > row.filter((t) => t === 1).length ? 1 : 0));
  return { x, y };
};

describe('checkpoint and resume with a Transformer encoder', () => {
  it('resumed after epoch 2 ends bitwise identical to an uninterrupted run', async () => {
    const { checkpoint } = await expectResumeExact(spec, () => toTensors(spec, sequences()), 2);
    expect(Object.keys(checkpoint.model)).toContain('2.layers.1.self_attn.in_proj_weight');
  });
});
