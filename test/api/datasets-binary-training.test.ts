/**
 * Jobs on uploaded IDX and .npy datasets through the real service (API, Redis, BullMQ worker,
 * training threads), on files written by /usr/bin/python3: a Conv2d network on (N, 1, 28, 28)
 * uint8 IDX images (stored as bytes, scaled to [0, 1] when the worker reads them) that then
 * predicts the images it was given, scaled as it trained on them; and an Embedding model on int64
 * .npy token ids.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, uploadDataset, useTestService, waitForStatus } from '../helpers/service.js';

const service = useTestService();

const GENERATE = `
import json, struct, sys
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(2)

def idx(name, a):
    with open(f"{out}/{name}", "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, a.ndim))
        f.write(struct.pack(">" + "I" * a.ndim, *a.shape))
        f.write(a.tobytes())

# Class c: a bright 14x14 quadrant c on dim noise.
n = 64
labels = (np.arange(n) % 4).astype(np.uint8)
images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
for i, c in enumerate(labels):
    r, q = divmod(int(c), 2)
    images[i, 14 * r:14 * r + 14, 14 * q:14 * q + 14] = rng.integers(200, 256, (14, 14))
idx("images", images)
idx("labels", labels)

tokens = rng.integers(0, 10, (64, 6)).astype(np.int64)
np.save(f"{out}/tokens.npy", tokens)
np.save(f"{out}/token_labels.npy", tokens[:, 0] % 2)

json.dump({
    "images": (images[:12, None] / 255.0).tolist(),
    "labels": labels[:12].tolist(),
    "tokens": tokens.tolist(),
    "token_labels": (tokens[:, 0] % 2).tolist(),
}, open(f"{out}/expected.json", "w"))
`;

let dir: string;
// biome-ignore lint/suspicious/noExplicitAny: NumPy's arrays, as JSON
let expected: any;
const file = (name: string) => readFileSync(join(dir, name));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-train-upload-'));
  const run = spawnSync('/usr/bin/python3', ['-c', GENERATE, dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`fixture generation failed: ${run.stderr}`);
  expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function upload(body: Buffer, contentType: string): Promise<string> {
  const res = await uploadDataset(service.url, body, contentType);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function train(body: unknown) {
  const res = await request(`${service.url}/v1/jobs`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const job = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], 120_000);
  expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  return job;
}

describe('jobs on uploaded binary datasets', () => {
  it('trains Conv2d on (N, 1, 28, 28) uint8 IDX images and predicts them, given as the [0, 1] values it trained on', async () => {
    const id = await upload(Buffer.concat([file('images'), file('labels')]), 'application/octet-stream');
    const job = await train({
      model: {
        layers: [
          { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3 },
          { type: 'ReLU' },
          { type: 'MaxPool2d', kernel_size: 2 },
          { type: 'Flatten' },
          { type: 'Linear', in_features: 4 * 13 * 13, out_features: 4 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      data: { dataset_id: id },
      training: { epochs: 8, batch_size: 16, seed: 1 },
    });
    expect(job.spec.data).toMatchObject({ dataset_id: id, samples: 64, sample_shape: [1, 28, 28] });
    const predicted = await request(`${service.url}/v1/jobs/${job.id}/predict`, {
      body: { x: expected.images },
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    expect(predicted.body.predictions).toEqual(expected.labels);
  }, 150_000);

  it('trains Embedding-Flatten-Linear on int64 .npy token ids and predicts from token ids', async () => {
    const id = await upload(
      Buffer.concat([file('tokens.npy'), file('token_labels.npy')]),
      'application/x-npy',
    );
    const job = await train({
      model: {
        layers: [
          { type: 'Embedding', num_embeddings: 10, embedding_dim: 4 },
          { type: 'Flatten' },
          { type: 'Linear', in_features: 24, out_features: 2 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.05 },
      data: { dataset_id: id },
      training: { epochs: 30, batch_size: 16, seed: 1 },
    });
    const predicted = await request(`${service.url}/v1/jobs/${job.id}/predict`, {
      body: { x: expected.tokens },
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    const right = (predicted.body.predictions as number[]).filter((p, i) => p === expected.token_labels[i]);
    expect(right.length / expected.token_labels.length).toBeGreaterThanOrEqual(0.95);
  }, 150_000);
});
