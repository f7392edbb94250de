/**
 * `{"builtin": "fashion-mnist"}` through the HTTP API: the split semantics (train, and test as the
 * validation set reported in `evaluation`), images checked through the model before queueing, a
 * 400 that says `apt-get install dataset-fashion-mnist` where the files are missing (the service
 * keeps answering), and `split` refused for the one-split built-ins.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/artifacts/safetensors.js';
import { DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_LABELS } from '../../src/datasets/fashion-mnist.js';
import { request, startTestApi, testConfig, useTestService, waitForStatus } from '../helpers/service.js';

const installed = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));

const linear = (inFeatures = 784) => ({
  layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: inFeatures, out_features: 10 }],
});
const job = (extra: object) => ({
  model: linear(),
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.001 },
  data: { builtin: 'fashion-mnist' },
  training: { epochs: 1, batch_size: 256, seed: 1 },
  ...extra,
});

describe('Fashion-MNIST jobs', () => {
  const service = useTestService();

  it('refuses split on a one-split built-in, naming data.split', async () => {
    const res = await request(`${service.url}/v1/jobs`, {
      body: job({
        model: { layers: [{ type: 'Linear', in_features: 4, out_features: 3 }] },
        data: { builtin: 'iris', split: 'test' },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('data.split');
    expect(res.body.errors[0].message).toMatch(/split is for 'fashion-mnist'/);
  });

  it('answers 400 with the package to install where the files are missing, and keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-no-fmnist-'));
    const local = await startTestApi(testConfig({ FASHION_MNIST_DIR: dir }), service.redis.url);
    try {
      const res = await request(`${local.url}/v1/jobs`, {
        body: job({ validation: { builtin: 'fashion-mnist', split: 'test' } }),
      });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
        'data.builtin',
        'validation.builtin',
      ]);
      expect(res.body.errors[0].message).toMatch(/apt-get install dataset-fashion-mnist/);
      expect((await request(`${local.url}/ready`)).status).toBe(200);
    } finally {
      await local.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!installed)('checks the (1, 28, 28) images through the model before queueing', async () => {
    const res = await request(`${service.url}/v1/jobs`, { body: job({ model: linear(28 * 28 * 3) }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('model.layers[1].in_features');
    expect(res.body.errors[0].message).toMatch(/784/);
  });

  it.skipIf(!installed)(
    'trains on the 60,000 training images and reports the 10,000 test images as validation',
    async () => {
      const res = await request(`${service.url}/v1/jobs`, {
        body: job({ validation: { builtin: 'fashion-mnist', split: 'test' } }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.spec.data).toMatchObject({
        samples: 60_000,
        sample_shape: [1, 28, 28],
        split: 'train',
      });
      expect(res.body.spec.validation).toEqual({ builtin: 'fashion-mnist', split: 'test', samples: 10_000 });
      const done = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed'], 120_000);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      const { train, validation } = done.evaluation;
      expect(train.samples).toBe(60_000);
      expect(validation.samples).toBe(10_000);
      // The test split's published balance: 1,000 images of each class.
      expect(validation.confusion_matrix.map((row: number[]) => row.reduce((a, b) => a + b, 0))).toEqual(
        new Array(10).fill(1000),
      );
      // One epoch of a linear classifier on [0, 1] pixels: far above chance (10%).
      console.log(`Fashion-MNIST, linear, 1 epoch: test accuracy ${validation.accuracy}`);
      expect(validation.accuracy).toBeGreaterThan(0.7);
      const predicted = await request(`${service.url}/v1/jobs/${res.body.id}/predict`, {
        body: { x: [Array.from({ length: 28 }, () => new Array(28).fill(0))] },
      });
      expect(predicted.status, JSON.stringify(predicted.body)).toBe(400); // (28, 28): the channel is missing
      const ok = await request(`${service.url}/v1/jobs/${res.body.id}/predict`, {
        body: { x: [[Array.from({ length: 28 }, () => new Array(28).fill(0))]] },
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.predictions[0]).toBeGreaterThanOrEqual(0);
      expect(ok.body.predictions[0]).toBeLessThan(10);
      // The weights file names the classes.
      const file = Buffer.from(
        await (await fetch(`${service.url}/v1/jobs/${res.body.id}/model`)).arrayBuffer(),
      );
      expect(JSON.parse(decodeSafetensors(file).metadata.labels)).toEqual(FASHION_MNIST_LABELS);
    },
    150_000,
  );
});
