/**
 * The safetensors download describes its model on its own: PyTorch (Debian's python3-torch) reads
 * it with a minimal safetensors reader, builds the nn.Sequential from `__metadata__.spec`, applies
 * `__metadata__.normalization`, and predicts what `POST /v1/jobs/{id}/predict` does, within 1e-5.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, useTestService, waitForStatus } from '../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_predict.py', import.meta.url));
const torchCheck = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const hasTorch = torchCheck.status === 0;
if (!hasTorch)
  console.warn(
    `skipping the PyTorch round trip: ${PYTHON} cannot import torch (apt-get install -y python3-torch libopenblas0-pthread)`,
  );

describe.skipIf(!hasTorch)('PyTorch round trip of the safetensors download', () => {
  // Inside the describe, so nothing starts when PyTorch is missing.
  const service = useTestService();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-torch-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds the model from the file alone and predicts like the service', async () => {
    const created = await request(`${service.url}/v1/jobs`, {
      body: {
        model: {
          layers: [
            { type: 'Linear', in_features: 4, out_features: 16 },
            { type: 'Tanh' },
            { type: 'Linear', in_features: 16, out_features: 16 },
            { type: 'GELU' },
            { type: 'LayerNorm', normalized_shape: [16] },
            { type: 'Linear', in_features: 16, out_features: 3 },
          ],
        },
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'Adam', lr: 0.02 },
        data: { builtin: 'iris' },
        training: { epochs: 10, batch_size: 16, validation_split: 0.2, normalize: 'standard' },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    expect((await waitForStatus(service.url, id, ['succeeded', 'failed'], 60_000)).status).toBe('succeeded');

    const model = Buffer.from(await (await fetch(`${service.url}/v1/jobs/${id}/model`)).arrayBuffer());
    const x = [
      [5.1, 3.5, 1.4, 0.2],
      [6.2, 2.9, 4.3, 1.3],
      [7.7, 3.0, 6.1, 2.3],
      [0, 0, 0, 0],
    ];
    writeFileSync(join(dir, 'model.safetensors'), model);
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ x }));
    const py = spawnSync(PYTHON, [SCRIPT, join(dir, 'model.safetensors'), join(dir, 'x.json')], {
      encoding: 'utf8',
    });
    expect(py.status, py.stderr).toBe(0);
    const torch = JSON.parse(py.stdout) as { outputs: number[][]; labels: string[] | null };
    expect(torch.labels).toEqual(['setosa', 'versicolor', 'virginica']);

    const ours = (await request(`${service.url}/v1/jobs/${id}/predict`, { body: { x } })).body;
    for (let i = 0; i < x.length; i++)
      for (let k = 0; k < 3; k++)
        expect(Math.abs(torch.outputs[i][k] - ours.outputs[i][k])).toBeLessThan(1e-5);
    expect(ours.predictions.slice(0, 3)).toEqual([0, 1, 2]);
  });
});
