/**
 * PyTorch's side of the round-trip tests: test/artifacts/torch_predict.py (Debian's python3-torch)
 * reads a safetensors file alone, rebuilds the model from its metadata, loads the weights with
 * load_state_dict (strict) and predicts; and the service's side: a job trained through the API and
 * its weights file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { request, waitForStatus } from './service.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../artifacts/torch_predict.py', import.meta.url));

export const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;
if (!hasTorch)
  console.warn(
    `skipping the PyTorch round trips: ${PYTHON} cannot import torch (apt-get install -y python3-torch libopenblas0-pthread)`,
  );

export interface TorchPrediction {
  outputs: number[][];
  labels: string[] | null;
  state_dict_keys: string[];
}

/** PyTorch's outputs for `x` from the weights file alone. */
export function torchPredict(file: Buffer | Uint8Array, x: unknown[]): TorchPrediction {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-torch-'));
  try {
    writeFileSync(join(dir, 'model.safetensors'), file);
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ x }));
    const py = spawnSync(PYTHON, [SCRIPT, join(dir, 'model.safetensors'), join(dir, 'x.json')], {
      encoding: 'utf8',
    });
    expect(py.status, py.stderr).toBe(0);
    return JSON.parse(py.stdout) as TorchPrediction;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Submits `body`, waits for success, and downloads the weights file. */
export async function trainedThroughApi(url: string, body: object): Promise<{ id: string; model: Buffer }> {
  const created = await request(`${url}/v1/jobs`, { body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id: string = created.body.id;
  const done = await waitForStatus(url, id, ['succeeded', 'failed'], 60_000);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const model = Buffer.from(await (await fetch(`${url}/v1/jobs/${id}/model`)).arrayBuffer());
  return { id, model };
}

/** The service's predict outputs for `x`. */
export async function servicePredict(
  url: string,
  id: string,
  x: unknown[],
): Promise<{ outputs: number[][]; predictions?: number[] }> {
  const res = await request(`${url}/v1/jobs/${id}/predict`, { body: { x } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Largest |a - b| over two outputs of the same shape (a shape mismatch fails the test). */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  expect(a.map((row) => row.length)).toEqual(b.map((row) => row.length));
  let max = 0;
  for (let i = 0; i < a.length; i++)
    for (let k = 0; k < a[i].length; k++) max = Math.max(max, Math.abs(a[i][k] - b[i][k]));
  return max;
}
