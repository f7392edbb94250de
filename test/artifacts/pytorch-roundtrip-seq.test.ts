/**
 * The safetensors download of a sequence model loads into the equivalent PyTorch module: the
 * layers of test/fixtures/torch/attn_modules.py (nn.LSTM / nn.GRU taking their `output`,
 * nn.TransformerEncoder, nn.MultiheadAttention and the tutorial's PositionalEncoding, masks passed
 * as `ids == padding_idx`) take the file's state dict with load_state_dict (strict), and predict in
 * eval under no_grad what `POST /v1/jobs/{id}/predict` does, within 1e-5. Issue 16's whole runs:
 * an LSTM classifier, a GRU regressor and Transformer encoder classifiers.
 */
import { describe, expect, it } from 'vitest';
import { useTestService } from '../helpers/service.js';
import {
  hasTorch,
  maxAbsDiff,
  servicePredict,
  torchPredict,
  trainedThroughApi,
} from '../helpers/torch-predict.js';

describe.skipIf(!hasTorch)('PyTorch round trip of sequence models', () => {
  const service = useTestService();

  /** Trains through the API, then compares PyTorch's prediction of `x` from the file with predict's. */
  const roundTrip = async (body: object, x: unknown[]) => {
    const { id, model } = await trainedThroughApi(service.url, body);
    const torch = torchPredict(model, x);
    const ours = await servicePredict(service.url, id, x);
    return { torch, max: maxAbsDiff(torch.outputs, ours.outputs) };
  };

  const tokens = Array.from({ length: 24 }, (_, i) =>
    Array.from({ length: 7 }, (_, j) => (j < 2 + (i % 6) ? 1 + ((i * 5 + j * 3) % 9) : 0)),
  );
  const hasOne = tokens.map((row) => (row.includes(1) ? 1 : 0));
  const classifier = (middle: object[], width = 8) => ({
    model: {
      layers: [
        { type: 'Embedding', num_embeddings: 10, embedding_dim: 8, padding_idx: 0 },
        ...middle,
        { type: 'Linear', in_features: width, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { x: tokens, y: hasOne },
    training: { epochs: 4, batch_size: 8 },
  });

  it.each([
    [
      'Embedding-PositionalEncoding-TransformerEncoder(mask, final norm)-Mean-Linear',
      [
        { type: 'PositionalEncoding', d_model: 8, batch_first: true },
        {
          type: 'TransformerEncoder',
          encoder_layer: {
            type: 'TransformerEncoderLayer',
            d_model: 8,
            nhead: 2,
            dim_feedforward: 16,
            batch_first: true,
          },
          num_layers: 2,
          norm: { type: 'LayerNorm', normalized_shape: 8 },
          src_key_padding_mask: 'padding_idx',
        },
        { type: 'Mean', dim: 1 },
      ],
    ],
    [
      'MultiheadAttention(mask) and a norm_first gelu TransformerEncoderLayer',
      [
        {
          type: 'MultiheadAttention',
          embed_dim: 8,
          num_heads: 4,
          batch_first: true,
          key_padding_mask: 'padding_idx',
        },
        {
          type: 'TransformerEncoderLayer',
          d_model: 8,
          nhead: 2,
          dim_feedforward: 16,
          batch_first: true,
          norm_first: true,
          activation: 'gelu',
          src_key_padding_mask: 'padding_idx',
        },
        { type: 'Mean', dim: 1 },
      ],
    ],
  ])('%s', async (_name, middle) => {
    const { max } = await roundTrip(classifier(middle), tokens);
    expect(max).toBeLessThan(1e-5);
  });

  it('an LSTM classifier (2 layers, bidirectional, last step) loads strictly and predicts the same', async () => {
    const lstm = { type: 'LSTM', input_size: 8, hidden_size: 6, num_layers: 2, bidirectional: true };
    const { torch, max } = await roundTrip(
      classifier(
        [
          { ...lstm, batch_first: true, dropout: 0.2 },
          { type: 'Select', dim: 1, index: -1 },
        ],
        12,
      ),
      tokens,
    );
    console.log(`PyTorch vs predict, trained LSTM classifier: max |difference| ${max}`);
    expect(max).toBeLessThan(1e-5);
    // PyTorch's own names for both directions of both layers.
    expect(torch.state_dict_keys).toEqual(
      expect.arrayContaining(['1.weight_ih_l0', '1.weight_hh_l1_reverse', '1.bias_hh_l1_reverse', '3.bias']),
    );
  });

  it('a GRU regressor on the synthetic noisy sine loads strictly and predicts the same', async () => {
    const x = Array.from({ length: 6 }, (_, i) =>
      Array.from({ length: 12 }, (_, t) => Math.sin(0.5 * t + i)),
    );
    const { torch, max } = await roundTrip(
      {
        model: {
          layers: [
            { type: 'Unflatten', dim: 1, unflattened_size: [12, 1] },
            { type: 'GRU', input_size: 1, hidden_size: 8, batch_first: true },
            { type: 'Select', dim: 1, index: -1 },
            { type: 'Linear', in_features: 8, out_features: 1 },
          ],
        },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'Adam', lr: 0.01 },
        data: { synthetic: { type: 'sine', n_samples: 96, seq_len: 12, seed: 4 } },
        training: { epochs: 3, batch_size: 16 },
      },
      x,
    );
    console.log(`PyTorch vs predict, trained GRU regressor: max |difference| ${max}`);
    expect(max).toBeLessThan(1e-5);
    expect(torch.state_dict_keys.sort()).toEqual(
      ['1.bias_hh_l0', '1.bias_ih_l0', '1.weight_hh_l0', '1.weight_ih_l0', '3.bias', '3.weight'].sort(),
    );
  });
});
