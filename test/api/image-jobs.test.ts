/**
 * Image-shaped inputs through the HTTP API and the worker: (N, C, H, W) inline data trains a
 * convolutional network end to end, the per-sample shape is recorded with the job, and predict
 * takes (and checks) the same shape.
 */
import { describe, expect, it } from 'vitest';
import { request, useTestService, waitForStatus } from '../helpers/service.js';

const service = useTestService();

/** Two classes of 6×6 images: a bright left half, or a bright right half (with noise). */
function stripes(n: number): { x: number[][][][]; y: number[] } {
  let s = 12345;
  const noise = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 0.3;
  };
  const x: number[][][][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    x.push([
      Array.from({ length: 6 }, () =>
        Array.from({ length: 6 }, (_, c) => (c < 3 === (label === 0) ? 1 : 0) * 0.7 + noise()),
      ),
    ]);
    y.push(label);
  }
  return { x, y };
}

const cnn = {
  layers: [
    { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3 },
    { type: 'ReLU' },
    { type: 'MaxPool2d', kernel_size: 2 },
    { type: 'Flatten' },
    { type: 'Linear', in_features: 16, out_features: 2 },
  ],
};

describe('image jobs', () => {
  it('trains Conv2d-ReLU-MaxPool2d-Flatten-Linear on (N, 1, 6, 6) inputs, and predicts the same shape', async () => {
    const data = stripes(64);
    const res = await request(`${service.url}/v1/jobs`, {
      body: {
        model: cnn,
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'Adam', lr: 0.01 },
        data,
        training: { epochs: 15, batch_size: 16, seed: 3 },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.spec.data).toMatchObject({ samples: 64, features: 36, sample_shape: [1, 6, 6] });
    const job = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], 60_000);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.evaluation.train.accuracy).toBeGreaterThan(0.95);

    const test = stripes(10);
    const predicted = await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x: test.x } });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    expect(predicted.body.outputs).toHaveLength(10);
    expect(predicted.body.predictions).toEqual(test.y);

    const flat = await request(`${service.url}/v1/jobs/${job.id}/predict`, {
      body: { x: test.x.map((s) => s.flat(2)) },
    });
    expect(flat.status).toBe(400);
    expect(flat.body.errors).toEqual([
      { path: 'x', message: 'expected samples of shape [1, 6, 6] (as trained), got [36]' },
    ]);
    const ragged = test.x.map((s) => s.map((c) => c.map((r) => [...r])));
    ragged[2][0][4] = [1, 2];
    const bad = await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x: ragged } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { path: 'x[2][0][4]', message: 'expected 6 values like x[0][0][4], got 2' },
    ]);
  });

  it('trains Flatten-Linear(6) on (N, 2, 3) inputs', async () => {
    const x = Array.from({ length: 20 }, (_, i) => [
      [i % 2, 0.5, 0.1],
      [0.2, (i + 1) % 2, 0.3],
    ]);
    const res = await request(`${service.url}/v1/jobs`, {
      body: {
        model: {
          layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 6, out_features: 2 }],
        },
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'Adam', lr: 0.05 },
        data: { x, y: x.map((_, i) => i % 2) },
        training: { epochs: 20, batch_size: 5, normalize: 'standard' },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], 60_000);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.evaluation.train.accuracy).toBe(1);
    const predicted = await request(`${service.url}/v1/jobs/${job.id}/predict`, {
      body: { x: x.slice(0, 4) },
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    expect(predicted.body.predictions).toEqual([0, 1, 0, 1]);
  });
});
