/**
 * Sequence models through the HTTP API: token ids checked before queueing and at predict, the
 * recurrent layers' shape and activation-memory checks, and an LSTM trained on the synthetic
 * parity task.
 */
import { describe, expect, it } from 'vitest';
import { request, startTestApi, testConfig, useTestService, waitForStatus } from '../helpers/service.js';

const service = useTestService();

const lstmParity = (): { layers: Record<string, unknown>[] } => ({
  layers: [
    { type: 'Embedding', num_embeddings: 2, embedding_dim: 8 },
    { type: 'LSTM', input_size: 8, hidden_size: 16, batch_first: true },
    { type: 'Select', dim: 1, index: -1 },
    { type: 'Linear', in_features: 16, out_features: 2 },
  ],
});

function tokenJob(x: number[][], model = lstmParity()) {
  return {
    model,
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { x, y: x.map((_, i) => i % 2) },
    training: { epochs: 1, batch_size: 4 },
  };
}

const bits = (rows: number, cols: number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i >> j) & 1));

describe('sequence jobs: checks before queueing', () => {
  it('names the first token id outside [0, num_embeddings)', async () => {
    const x = bits(8, 9);
    x[4][7] = 2;
    x[6][1] = 0.5;
    const res = await request(`${service.url}/v1/jobs`, { body: tokenJob(x) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'data.x[4][7]', message: expect.stringMatching(/token ids, integers in \[0, 2\), got 2/) },
    ]);
  });

  it('refuses input_size ≠ the features per step, max_norm, and standard normalisation of ids', async () => {
    const x = bits(8, 9);
    const wrong = lstmParity();
    wrong.layers[1] = { ...wrong.layers[1], input_size: 5 };
    const res = await request(`${service.url}/v1/jobs`, { body: tokenJob(x, wrong) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('model.layers[1].input_size');
    expect(res.body.errors[0].message).toMatch(/Expected 5, got 8/);

    const maxNorm = lstmParity();
    maxNorm.layers[0] = { ...maxNorm.layers[0], max_norm: 1 };
    const refused = await request(`${service.url}/v1/jobs`, { body: tokenJob(x, maxNorm) });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('model.layers[0].max_norm');
    expect(refused.body.errors[0].message).toMatch(/max_norm is not supported/);

    const job = tokenJob(x);
    const normalized = await request(`${service.url}/v1/jobs`, {
      body: { ...job, training: { ...job.training, normalize: 'standard' } },
    });
    expect(normalized.status).toBe(400);
    expect(normalized.body.errors[0].path).toBe('training.normalize');
    // Token ids from the synthetic parity task too: the check is the data's, whatever its source.
    const synthetic = await request(`${service.url}/v1/jobs`, {
      body: {
        ...job,
        data: { synthetic: { type: 'parity', n_samples: 16, seq_len: 9, seed: 1 } },
        training: { ...job.training, normalize: 'standard' },
      },
    });
    expect(synthetic.status).toBe(400);
    expect(synthetic.body.errors.map((e: { path: string }) => e.path)).toEqual(['training.normalize']);
  });

  it('refuses a recurrent layer over MAX_ACTIVATION_BYTES with 422 naming it', async () => {
    const local = await startTestApi(testConfig({ MAX_ACTIVATION_BYTES: '2000000' }), service.redis.url);
    try {
      const x = bits(64, 50);
      const model = {
        layers: [
          { type: 'Embedding', num_embeddings: 2, embedding_dim: 8 },
          { type: 'LSTM', input_size: 8, hidden_size: 64, batch_first: true },
          { type: 'Select', dim: 1, index: -1 },
          { type: 'Linear', in_features: 64, out_features: 2 },
        ],
      };
      const over = await request(`${local.url}/v1/jobs`, {
        body: { ...tokenJob(x, model), training: { epochs: 1, batch_size: 64 } },
      });
      expect(over.status, JSON.stringify(over.body)).toBe(422);
      expect(over.body.errors[0].path).toBe('model.layers[1]');
      expect(over.body.errors[0].message).toMatch(/LSTM/);
      const ok = await request(`${local.url}/v1/jobs`, {
        body: { ...tokenJob(x, model), training: { epochs: 1, batch_size: 4 } },
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    } finally {
      await local.close();
    }
  });
});

describe('token ids of stored and generated tables', () => {
  it('fail the job naming the first bad value once the worker reads them', async () => {
    const res = await request(`${service.url}/v1/jobs`, {
      body: {
        model: {
          layers: [
            { type: 'Embedding', num_embeddings: 4, embedding_dim: 2 },
            { type: 'Flatten' },
            { type: 'Linear', in_features: 12, out_features: 1 },
          ],
        },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'Adam', lr: 0.01 },
        data: { synthetic: { type: 'sine', n_samples: 16, seq_len: 6, seed: 1 } },
        training: { epochs: 1, batch_size: 8 },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], 30_000);
    expect(job.status).toBe('failed');
    expect(JSON.stringify(job.error)).toMatch(/token ids, integers in \[0, 4\)/);
  });
});

describe('an LSTM trained through the API', () => {
  it('learns the synthetic parity task, and predict checks token ids', async () => {
    const body = {
      model: lstmParity(),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { synthetic: { type: 'parity', n_samples: 256, seq_len: 6, seed: 3 } },
      training: { epochs: 40, batch_size: 32, seed: 1 },
    };
    const res = await request(`${service.url}/v1/jobs`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    console.log(`LSTM parity(6): train accuracy ${job.evaluation.train.accuracy}`);
    expect(job.evaluation.train.accuracy).toBeGreaterThan(0.95);

    const x = bits(64, 6);
    const predicted = await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x } });
    expect(predicted.status).toBe(200);
    const parity = x.map((row) => row.reduce((a, b) => a + b, 0) % 2);
    const correct = predicted.body.predictions.filter((p: number, i: number) => p === parity[i]).length;
    expect(correct / x.length).toBeGreaterThan(0.95);

    const bad = await request(`${service.url}/v1/jobs/${job.id}/predict`, {
      body: { x: [[0, 1, 1, 0, 3, 1]] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('x[0][4]');
  });
});
