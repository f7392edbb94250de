/**
 * Transformer models through the HTTP API: the attention layers' shape and activation-memory checks
 * before queueing, a Transformer encoder classifier (key padding mask from padding ids) trained and
 * used for predict, and the ONNX download refused with 422 naming the layer.
 */
import { describe, expect, it } from 'vitest';
import { request, startTestApi, testConfig, useTestService, waitForStatus } from '../helpers/service.js';

const service = useTestService();

const transformer = (dModel = 16): { layers: Record<string, unknown>[] } => ({
  layers: [
    { type: 'Embedding', num_embeddings: 10, embedding_dim: dModel, padding_idx: 0 },
    { type: 'PositionalEncoding', d_model: dModel, dropout: 0.1, batch_first: true },
    {
      type: 'TransformerEncoder',
      encoder_layer: {
        type: 'TransformerEncoderLayer',
        d_model: 16,
        nhead: 2,
        dim_feedforward: 32,
        dropout: 0.1,
        batch_first: true,
      },
      num_layers: 2,
      src_key_padding_mask: 'padding_idx',
    },
    { type: 'Mean', dim: 1 },
    { type: 'Linear', in_features: 16, out_features: 2 },
  ],
});

/** n right-padded sequences of ids in [1, 10); the class: whether token 1 occurs. */
function padded(n: number, length: number) {
  const x = Array.from({ length: n }, (_, i) => {
    const len = 2 + ((i * 5) % (length - 1));
    return Array.from({ length }, (_, j) => (j < len ? 1 + ((i * 7 + j * 3 + i * j) % 9) : 0));
  });
  return { x, y: x.map((row) => (row.includes(1) ? 1 : 0)) };
}

const job = (model: object, data: object, training: object = { epochs: 1, batch_size: 8 }) => ({
  model,
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.005 },
  data,
  training,
});

describe('Transformer jobs: checks before queueing', () => {
  it('names a d_model that is not the embedding size, and a padding mask with no padding ids', async () => {
    const wide = transformer(12);
    wide.layers[1] = { ...wide.layers[1], d_model: 12 };
    const res = await request(`${service.url}/v1/jobs`, { body: job(wide, padded(16, 8)) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('model.layers[2].encoder_layer.d_model');
    expect(res.body.errors[0].message).toMatch(/is 16 but the previous layer gives 12 features per step/);

    const noPad = transformer();
    noPad.layers[0] = { ...noPad.layers[0], padding_idx: null };
    const refused = await request(`${service.url}/v1/jobs`, { body: job(noPad, padded(16, 8)) });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('model.layers[2].src_key_padding_mask');
  });

  it('refuses a long-sequence encoder over MAX_ACTIVATION_BYTES with 422 naming it', async () => {
    const local = await startTestApi(testConfig({ MAX_ACTIVATION_BYTES: '20000000' }), service.redis.url);
    try {
      const data = padded(64, 200);
      const over = await request(`${local.url}/v1/jobs`, {
        body: job(transformer(), data, { epochs: 1, batch_size: 64 }),
      });
      expect(over.status, JSON.stringify(over.body)).toBe(422);
      expect(over.body.errors[0].path).toBe('model.layers[2]');
      expect(over.body.errors[0].message).toMatch(/TransformerEncoder layer/);
      const ok = await request(`${local.url}/v1/jobs`, {
        body: job(transformer(), data, { epochs: 1, batch_size: 2 }),
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    } finally {
      await local.close();
    }
  });
});

describe('a Transformer encoder classifier trained through the API', () => {
  it('learns which sequences hold token 1, predicts, and has no ONNX export (422 naming the layer)', async () => {
    const body = job(transformer(), padded(96, 8), { epochs: 25, batch_size: 16, seed: 4 });
    const res = await request(`${service.url}/v1/jobs`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const done = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    console.log(`Transformer token-1 task: train accuracy ${done.evaluation.train.accuracy}`);
    expect(done.evaluation.train.accuracy).toBeGreaterThan(0.85);

    const { x, y } = padded(20, 8);
    const predicted = await request(`${service.url}/v1/jobs/${done.id}/predict`, { body: { x } });
    expect(predicted.status).toBe(200);
    const right = predicted.body.predictions.filter((p: number, i: number) => p === y[i]).length;
    expect(right).toBeGreaterThan(14);

    const onnx = await fetch(`${service.url}/v1/jobs/${done.id}/model?format=onnx`);
    expect(onnx.status).toBe(422);
    const problem = (await onnx.json()) as { code: string; detail: string };
    expect(problem.code).toBe('onnx_export_failed');
    expect(problem.detail).toMatch(/PositionalEncoding has no ONNX export/);
  });
});
