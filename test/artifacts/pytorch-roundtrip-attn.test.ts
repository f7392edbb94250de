/**
 * The safetensors download of a Transformer model loads into the equivalent PyTorch module: the
 * layers of test/fixtures/torch/attn_modules.py (nn.TransformerEncoder, nn.MultiheadAttention and
 * the tutorial's PositionalEncoding, masks passed as `ids == padding_idx`) take the file's
 * state dict with load_state_dict (strict), and predict in eval under no_grad (PyTorch's
 * nested-tensor path for the right-padded ids) what `POST /v1/jobs/{id}/predict` does, within 1e-5.
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
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasTorch)('PyTorch round trip of a Transformer model', () => {
  const service = useTestService();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-torch-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const x = Array.from({ length: 24 }, (_, i) =>
    Array.from({ length: 7 }, (_, j) => (j < 2 + (i % 6) ? 1 + ((i * 5 + j * 3) % 9) : 0)),
  );
  const y = x.map((row) => (row.includes(1) ? 1 : 0));

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
      ],
    ],
  ])('%s', async (_name, middle) => {
    const layers = [
      { type: 'Embedding', num_embeddings: 10, embedding_dim: 8, padding_idx: 0 },
      ...middle,
      { type: 'Mean', dim: 1 },
      { type: 'Linear', in_features: 8, out_features: 2 },
    ];
    const created = await request(`${service.url}/v1/jobs`, {
      body: {
        model: { layers },
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'Adam', lr: 0.01 },
        data: { x, y },
        training: { epochs: 4, batch_size: 8 },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    const done = await waitForStatus(service.url, id, ['succeeded', 'failed'], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const model = Buffer.from(await (await fetch(`${service.url}/v1/jobs/${id}/model`)).arrayBuffer());
    writeFileSync(join(dir, `${id}.safetensors`), model);
    writeFileSync(join(dir, `${id}.json`), JSON.stringify({ x }));
    const py = spawnSync(PYTHON, [SCRIPT, join(dir, `${id}.safetensors`), join(dir, `${id}.json`)], {
      encoding: 'utf8',
    });
    expect(py.status, py.stderr).toBe(0);
    const torch = JSON.parse(py.stdout) as { outputs: number[][] };
    const ours = (await request(`${service.url}/v1/jobs/${id}/predict`, { body: { x } })).body as {
      outputs: number[][];
    };
    for (let i = 0; i < x.length; i++)
      for (let k = 0; k < 2; k++)
        expect(Math.abs(torch.outputs[i][k] - ours.outputs[i][k])).toBeLessThan(1e-5);
  });
});
